#include "catalogue.hpp"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <sstream>

#include "picdex/embedder.hpp"
#include "picdex/error.hpp"
#include "picdex/import.hpp"
#include "values.hpp"

namespace py = pybind11;

namespace picdex::python {
namespace {

// A catalogue shared by Python threads. Calls run without the GIL, holding `lock` shared
// (the catalogue is thread-safe); close() holds it alone, so a catalogue is never closed
// under a running search. Rule against deadlock: never wait for `lock` holding the GIL.
class PyCatalogue {
 public:
  PyCatalogue(Catalogue catalogue, std::filesystem::path path)
      : catalogue_(std::move(catalogue)), path_(std::move(path)) {}

  // Runs f(catalogue) without the GIL; f must not touch Python objects.
  template <typename F>
  auto use(F&& f) {
    py::gil_scoped_release release;
    std::shared_lock lock(mutex_);
    return f(open_catalogue());
  }
  // The same, with no other call running (reembed swaps the embedder others use).
  template <typename F>
  auto use_alone(F&& f) {
    py::gil_scoped_release release;
    std::unique_lock lock(mutex_);
    return f(open_catalogue());
  }
  void close() {
    py::gil_scoped_release release;
    std::unique_lock lock(mutex_);
    catalogue_.reset();
  }
  bool closed() const {
    py::gil_scoped_release release;
    std::shared_lock lock(mutex_);
    return !catalogue_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  Catalogue& open_catalogue() {
    if (!catalogue_) throw Error(path_.string() + ": the catalogue is closed");
    return *catalogue_;
  }
  mutable std::shared_mutex mutex_;
  std::optional<Catalogue> catalogue_;
  std::filesystem::path path_;
};

// Warnings go to Python's warnings module; progress to the callable given, if any. Either
// may be called from any thread, with or without the GIL.
Observer observer_for(py::object progress) {
  Observer observer;
  observer.warning = [](std::string_view message) {
    py::gil_scoped_acquire acquire;
    if (PyErr_WarnEx(PyExc_RuntimeWarning, std::string(message).c_str(), 1) != 0)
      PyErr_WriteUnraisable(nullptr);  // warnings raised as errors cannot cross the library
  };
  if (!progress.is_none()) {
    // Released with the GIL held: the observer may be destroyed on a thread without it (a
    // close() runs without the GIL).
    auto callable =
        std::shared_ptr<py::object>(new py::object(std::move(progress)), [](py::object* o) {
          py::gil_scoped_acquire acquire;
          delete o;
        });
    observer.progress = [callable](std::size_t done, std::size_t total) {
      py::gil_scoped_acquire acquire;
      try {
        (*callable)(done, total);
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("picdex progress callback");
      }
    };
  }
  return observer;
}

SearchOptions search_options(std::size_t k, py::object where, const std::string& mode,
                             std::optional<float> min_score, std::size_t offset, std::size_t ef) {
  SearchOptions options;
  options.k = k;
  options.ef = ef;
  options.offset = offset;
  if (min_score) options.min_score = *min_score;
  options.where = conditions_of(where);
  const auto named = search_mode_named(mode);
  if (!named) throw InputError("mode: \"" + mode + "\" is not vector, keyword or hybrid");
  options.mode = *named;
  return options;
}

GraphPrecision precision_named(const std::string& graph) {
  const auto named = graph_precision_named(graph);
  if (!named) throw InputError("graph: \"" + graph + "\" is not float32 or int8");
  return *named;
}

template <typename T>
std::string repr_of(const char* name, const T& fields) {
  std::ostringstream out;
  out << name << "(";
  bool first = true;
  for (const auto& [key, value] : fields)
    out << (first ? "" : ", ") << key << "=" << value, first = false;
  out << ")";
  return out.str();
}

constexpr const char* search_doc = R"(Finds the images whose captions are most like the query.

query: a str (embedded with the catalogue's embedder) or a vector (any float buffer, such
  as a numpy array, of the catalogue's dimension).
k: how many hits at most. Exactly min(k, matching images - offset), fewer only by
  min_score, one per image, best first.
where: only images whose metadata meets every condition: "year>=2010", a list of such
  strings, or a dict of equalities ({"site": "beach"}; a list value means any of them).
mode: "vector" (cosine similarity of vectors), "keyword" (BM25 over caption words) or
  "hybrid" (both, fused by rank). Keyword and hybrid need a text query.
min_score: drop hits scoring below this (the cosine similarity; learned-v3 shows it
  corrected for density, see the README).
offset: skip this many best hits first (the next page).
ef: HNSW search breadth (0: the catalogue's default).

Returns a list of Hit. Runs without the GIL: threads may search one catalogue at once.)";

}  // namespace

void register_catalogue(py::module_& m) {
  py::class_<PutResult>(m, "PutResult", "What a put did: images added, updated and unchanged.")
      .def_readonly("added", &PutResult::added)
      .def_readonly("updated", &PutResult::updated)
      .def_readonly("unchanged", &PutResult::unchanged)
      .def("__repr__", [](const PutResult& r) {
        return repr_of("PutResult",
                       std::vector<std::pair<std::string, std::size_t>>{
                           {"added", r.added}, {"updated", r.updated}, {"unchanged", r.unchanged}});
      });

  py::class_<Stats>(m, "Stats", "Counts and sizes of a catalogue (Catalogue.stats()).")
      .def_readonly("images", &Stats::images)
      .def_readonly("captions", &Stats::captions)
      .def_readonly("pictures", &Stats::pictures)
      .def_readonly("deleted", &Stats::deleted, "graph elements marked deleted")
      .def_readonly("dim", &Stats::dim)
      .def_readonly("embedder", &Stats::embedder)
      .def_readonly("file_bytes", &Stats::file_bytes)
      .def_readonly("graph_bytes", &Stats::graph_bytes)
      .def_readonly("last_seq", &Stats::last_seq)
      .def_readonly("snapshot_seq", &Stats::snapshot_seq)
      .def_readonly("log_entries", &Stats::log_entries)
      .def_readonly("format", &Stats::format)
      .def_readonly("m", &Stats::m)
      .def_readonly("ef_construction", &Stats::ef_construction)
      .def_readonly("ef_search", &Stats::ef_search)
      .def_property_readonly("graph", [](const Stats& s) { return graph_precision_name(s.graph); })
      .def("__repr__", [](const Stats& s) {
        return "Stats(images=" + std::to_string(s.images) +
               ", captions=" + std::to_string(s.captions) + ", dim=" + std::to_string(s.dim) +
               ", embedder='" + s.embedder + "')";
      });

  py::class_<VerifyReport>(m, "VerifyReport", "What Catalogue.verify() found.")
      .def_property_readonly("ok", &VerifyReport::ok, "True when no problem was found.")
      .def_readonly("problems", &VerifyReport::problems, "one line each")
      .def_readonly("images", &VerifyReport::images)
      .def_readonly("captions_checked", &VerifyReport::captions_checked)
      .def_readonly("sampled_recall", &VerifyReport::sampled_recall,
                    "recall@10 of the graph against an exact scan, sampled")
      .def_readonly("deleted_fraction", &VerifyReport::deleted_fraction)
      .def("__bool__", &VerifyReport::ok)
      .def("__repr__", [](const VerifyReport& r) {
        return "VerifyReport(ok=" + std::string(r.ok() ? "True" : "False") +
               ", problems=" + std::to_string(r.problems.size()) +
               ", images=" + std::to_string(r.images) + ")";
      });

  py::class_<CompactReport>(m, "CompactReport", "What Catalogue.compact() reclaimed.")
      .def_readonly("dropped", &CompactReport::dropped)
      .def_readonly("file_bytes_before", &CompactReport::file_bytes_before)
      .def_readonly("file_bytes_after", &CompactReport::file_bytes_after)
      .def_readonly("graph_bytes_before", &CompactReport::graph_bytes_before)
      .def_readonly("graph_bytes_after", &CompactReport::graph_bytes_after);

  py::class_<ReembedReport>(m, "ReembedReport", "What Catalogue.reembed() did.")
      .def_readonly("from_embedder", &ReembedReport::from)
      .def_readonly("to_embedder", &ReembedReport::to)
      .def_readonly("captions", &ReembedReport::captions)
      .def_readonly("seconds", &ReembedReport::seconds)
      .def_readonly("verify", &ReembedReport::verify);

  py::class_<PyCatalogue>(m, "Catalogue",
                          R"(A catalogue: images with captions in one file, searchable by text.

Make one with Catalogue.create() or Catalogue.open(); use it as a context manager, or
call close(). Searches, gets and writes run without the GIL, and many threads may use
one catalogue at once; other processes may read and write the same file too.)")
      .def_static(
          "create",
          [](const std::filesystem::path& path, std::string embedder,
             std::optional<std::size_t> dim, std::size_t m, std::size_t ef_construction,
             std::size_t ef_search, const std::string& graph, py::object progress) {
            CreateOptions create;
            create.graph = precision_named(graph);
            create.embedder = std::move(embedder);
            if (dim) {
              if (create.embedder != "none" && create.embedder != "lexical")
                throw InputError("dim: goes with the embedder \"none\" or \"lexical\"");
              create.embedder += ":dim=" + std::to_string(*dim);
            } else if (create.embedder == "none") {
              throw InputError("dim: the embedder \"none\" needs dim=N, the size of your vectors");
            }
            create.m = m, create.ef_construction = ef_construction, create.ef_search = ef_search;
            OpenOptions open;
            open.observer = observer_for(std::move(progress));
            py::gil_scoped_release release;
            return new PyCatalogue(Catalogue::create(path, create, std::move(open)), path);
          },
          py::arg("path"), py::arg("embedder") = "learned", py::kw_only(),
          py::arg("dim") = py::none(), py::arg("m") = 32, py::arg("ef_construction") = 200,
          py::arg("ef_search") = 128, py::arg("graph") = "float32",
          py::arg("progress") = py::none(),
          R"(Creates a new catalogue file (IoError if it exists).

embedder: "learned" (the built-in model), "learned:model=FILE" (picdex train),
  "lexical", or "none" with dim=N (you give every caption's vector).
m, ef_construction, ef_search: the HNSW graph's links per node, build breadth and
  default search breadth.
graph: "float32", or "int8" (the graph holds a quarter of the bytes and searches faster;
  hits are re-scored with the stored float32 vectors, so scores stay exact).
progress: called as progress(done, total) during long work.)")
      .def_static(
          "open",
          [](const std::filesystem::path& path, bool read_only, std::string expect_embedder,
             std::size_t checkpoint_after, double compact_above, py::object progress) {
            OpenOptions open;
            open.read_only = read_only;
            open.expect_embedder = std::move(expect_embedder);
            open.checkpoint_after = checkpoint_after;
            open.compact_above = compact_above;
            open.observer = observer_for(std::move(progress));
            py::gil_scoped_release release;
            return new PyCatalogue(Catalogue::open(path, std::move(open)), path);
          },
          py::arg("path"), py::kw_only(), py::arg("read_only") = false,
          py::arg("expect_embedder") = "", py::arg("checkpoint_after") = 1000,
          py::arg("compact_above") = 0.3, py::arg("progress") = py::none(),
          R"(Opens an existing catalogue (NotFoundError if missing, FormatError if not one).

read_only: refuse writes; several processes may read while one writes.
expect_embedder: refuse the catalogue (EmbedderMismatchError) unless made with it.
checkpoint_after: save a graph snapshot once this many changes are not in it.
compact_above: compact once more than this fraction of the graph is deleted (0: never).
progress: called as progress(done, total) during long work (a graph rebuild).)")
      .def("close", &PyCatalogue::close,
           "Saves what is pending and closes the file; waits for running calls. Idempotent.")
      .def_property_readonly("closed", &PyCatalogue::closed)
      .def_property_readonly("path", &PyCatalogue::path)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCatalogue& c, py::args) { c.close(); })
      .def_property_readonly(
          "embedder",
          [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.embedder_spec(); }); },
          "The embedder's spec, e.g. \"learned-v2:model=default,fingerprint=168e2c2f\".")
      .def_property_readonly(
          "dim", [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.dim(); }); },
          "The vectors' dimension.")
      .def("__len__", [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.size(); }); })
      .def("__contains__",
           [](PyCatalogue& c, const std::string& uri) {
             return c.use([&](Catalogue& c) {
               try {
                 c.get(uri);
                 return true;
               } catch (const NotFoundError&) {
                 return false;
               }
             });
           })
      .def(
          "put",
          [](PyCatalogue& c, std::string uri, py::object captions, py::object metadata,
             py::object vectors, py::object picture) {
            Image image(std::move(uri), captions_of(captions), metadata_json(metadata),
                        vectors_of(vectors));
            if (!picture.is_none()) image.picture = py::str(picture).cast<std::string>();
            return c.use([&](Catalogue& c) { return c.put(image); });
          },
          py::arg("uri"), py::arg("captions") = py::list(), py::arg("metadata") = py::none(),
          py::arg("vectors") = py::none(), py::kw_only(), py::arg("picture") = py::none(),
          R"(Adds an image, or replaces the one with this URI: all or nothing.

captions: a str or a list of str. metadata: a dict (stored as JSON). vectors: in a
"none" catalogue, one per caption (a 2-D float array, or one vector for one caption).
picture: a JPEG or PNG file, in a catalogue whose embedder embeds pixels (CLIP).
Identical content does no embedding and no write. Returns a PutResult.)")
      .def(
          "put_many",
          [](PyCatalogue& c, py::iterable images, std::size_t batch) {
            if (batch == 0) throw InputError("batch: must be at least 1");
            PutResult total;
            std::vector<Image> pending;
            auto flush = [&] {
              total += c.use([&](Catalogue& c) { return c.put(std::span<const Image>(pending)); });
              pending.clear();
            };
            for (auto item : images) {
              pending.push_back(image_of(item));
              if (pending.size() == batch) flush();
            }
            if (!pending.empty()) flush();
            return total;
          },
          py::arg("images"), py::arg("batch") = 1000,
          R"(Puts many images: picdex.Image objects, dicts {"uri", "captions", "metadata",
"vectors"} or tuples (uri, captions[, metadata[, vectors]]), from a list or any iterable.
Each batch of `batch` images is all or nothing (and embedded in parallel); an error stops
at the batch it is in, with the batches before it kept. Returns the summed PutResult.)")
      .def(
          "remove",
          [](PyCatalogue& c, const std::string& uri) {
            return c.use([&](Catalogue& c) { return c.remove(uri); });
          },
          py::arg("uri"), "Removes an image; returns False if the URI was not there.")
      .def(
          "get",
          [](PyCatalogue& c, const std::string& uri, std::optional<bool> vectors) {
            return c.use([&](Catalogue& c) { return vectors ? c.get(uri, *vectors) : c.get(uri); });
          },
          py::arg("uri"), py::kw_only(), py::arg("vectors") = py::none(),
          R"(The image with this URI (NotFoundError if none), as a picdex.Image. Its stored
vectors (unit length, a numpy array, one row per caption) come with it in a "none"
catalogue, or with vectors=True in any.)")
      .def(
          "images",
          [](PyCatalogue& c, bool vectors) {
            return c.use([&](Catalogue& c) {
              std::vector<Image> all;
              c.for_each_image([&](const Image& image) { all.push_back(image); }, vectors);
              return all;
            });
          },
          py::kw_only(), py::arg("vectors") = false,
          "Every image in the order added (a consistent snapshot), as a list of picdex.Image.")
      .def(
          "search",
          [](PyCatalogue& c, py::object query, std::size_t k, py::object where,
             const std::string& mode, std::optional<float> min_score, std::size_t offset,
             std::size_t ef) {
            const auto options = search_options(k, where, mode, min_score, offset, ef);
            if (py::isinstance<py::str>(query)) {
              const auto text = query.cast<std::string>();
              return c.use([&](Catalogue& c) { return c.search(text, options); });
            }
            const auto vector = vector_array(query);  // kept alive while searching
            const std::span<const float> span(vector.data(),
                                              static_cast<std::size_t>(vector.size()));
            return c.use([&](Catalogue& c) { return c.search(span, options); });
          },
          py::arg("query"), py::arg("k") = 10, py::kw_only(), py::arg("where") = py::none(),
          py::arg("mode") = "vector", py::arg("min_score") = py::none(), py::arg("offset") = 0,
          py::arg("ef") = 0, search_doc)
      .def(
          "embed",
          [](PyCatalogue& c, const std::string& text, bool stored) {
            std::vector<float> vector = c.use([&](Catalogue& c) {
              std::vector<float> out(c.dim());
              if (stored)
                c.embedder().embed(text, out);
              else
                c.embedder().embed_query(text, out);
              return out;
            });
            return py::array_t<float>(static_cast<py::ssize_t>(vector.size()), vector.data());
          },
          py::arg("text"), py::kw_only(), py::arg("stored") = false,
          "The text's vector with the catalogue's embedder (a float32 numpy array), the one a "
          "search for it uses; stored=True: the one a caption is stored with (learned-v3's "
          "carry a density term, so the two differ).")
      .def(
          "stats", [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.stats(); }); },
          "Counts and sizes, a picdex.Stats.")
      .def(
          "verify", [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.verify(); }); },
          "Checks the file, the graph and the vectors; a VerifyReport (falsy when not ok).")
      .def(
          "checkpoint", [](PyCatalogue& c) { c.use([](Catalogue& c) { c.checkpoint(); }); },
          "Saves a graph snapshot holding every change so far.")
      .def(
          "rebuild_index",
          [](PyCatalogue& c, std::optional<std::string> graph) {
            std::optional<GraphPrecision> precision;
            if (graph) precision = precision_named(*graph);
            c.use([&](Catalogue& c) { c.rebuild_index(precision); });
          },
          py::kw_only(), py::arg("graph") = py::none(),
          "Rebuilds the graph and the keyword index from the stored vectors and captions;\n"
          "with graph=\"float32\" or \"int8\", the graph in that precision from then on.")
      .def(
          "compact", [](PyCatalogue& c) { return c.use([](Catalogue& c) { return c.compact(); }); },
          "Rebuilds the index without deleted entries and returns free space; a CompactReport.")
      .def(
          "reembed",
          [](PyCatalogue& c, const std::string& embedder) {
            return c.use_alone([&](Catalogue& c) { return c.reembed(embedder); });
          },
          py::arg("embedder") = "learned",
          "Embeds every caption again with another embedder, all or nothing; a ReembedReport.")
      .def(
          "export",
          [](PyCatalogue& c, const std::filesystem::path& path, bool vectors) {
            return c.use([&](Catalogue& c) {
              std::size_t written = 0;
              ExportOptions options;
              options.vectors = vectors;
              write_whole_file(
                  path, [&](std::ostream& out) { written = export_records(c, out, options); });
              return written;
            });
          },
          py::arg("path"), py::kw_only(), py::arg("vectors") = false,
          R"(Writes the catalogue as JSONL to `path`, complete or not at all (what
`picdex import` reads back); with vectors=True each caption's vector too. Returns the
images written.)")
      .def("__repr__", [](PyCatalogue& c) {
        return "<picdex.Catalogue " + py::repr(py::str(c.path().string())).cast<std::string>() +
               (c.closed() ? " (closed)>" : ">");
      });

  // For bench/python_overhead.py: the same search n times from C++ (a text or a vector
  // query, k hits), in seconds, to time the binding against the library in one process.
  m.def(
      "_search_loop",
      [](PyCatalogue& c, py::object query, std::size_t k, std::size_t n) {
        SearchOptions options;
        options.k = k;
        auto time = [&](auto&& search) {
          return c.use([&](Catalogue& c) {
            const auto start = std::chrono::steady_clock::now();
            for (std::size_t i = 0; i < n; ++i) search(c);
            return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          });
        };
        if (py::isinstance<py::str>(query)) {
          const auto text = query.cast<std::string>();
          return time([&](Catalogue& c) { c.search(text, options); });
        }
        const auto vector = vector_array(query);
        const std::span<const float> span(vector.data(), static_cast<std::size_t>(vector.size()));
        return time([&](Catalogue& c) { c.search(span, options); });
      },
      py::arg("catalogue"), py::arg("query"), py::arg("k"), py::arg("n"));
}

}  // namespace picdex::python
