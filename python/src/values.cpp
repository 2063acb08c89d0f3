#include "values.hpp"

#include <pybind11/stl.h>

#include <algorithm>

#include "picdex/error.hpp"

namespace py = pybind11;

namespace picdex::python {
namespace {

py::object json_module() {
  static py::handle json = py::module_::import("json").release();  // kept for good
  return py::reinterpret_borrow<py::object>(json);
}

// A condition's value as picdex compares it: JSON's spelling of booleans, numbers as text.
std::string condition_value(py::handle value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value))
    return py::str(value).cast<std::string>();
  throw py::type_error("where: a condition's value must be a str, number or bool, not " +
                       py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>());
}

}  // namespace

std::string metadata_json(py::handle metadata) {
  if (metadata.is_none()) return "{}";
  if (py::isinstance<py::str>(metadata)) return metadata.cast<std::string>();
  return json_module()
      .attr("dumps")(metadata, py::arg("ensure_ascii") = false, py::arg("allow_nan") = false)
      .cast<std::string>();
}

py::object metadata_object(const std::string& json) {
  return json_module().attr("loads")(json);
}

FloatArray vector_array(py::handle vector) {
  // A C-contiguous float32 array as it is (the usual query; ensure() costs a conversion call).
  auto array = FloatArray::check_(vector) ? py::reinterpret_borrow<FloatArray>(vector)
                                          : FloatArray::ensure(vector);
  if (!array) throw py::error_already_set();
  if (array.ndim() != 1)
    throw InputError("a query vector must be one-dimensional (got " + std::to_string(array.ndim()) +
                     " dimensions)");
  return array;
}

std::vector<std::vector<float>> vectors_of(py::handle vectors) {
  if (vectors.is_none()) return {};
  auto array = FloatArray::ensure(vectors);
  if (!array) throw py::error_already_set();
  if (array.ndim() == 1) return {std::vector<float>(array.data(), array.data() + array.size())};
  if (array.ndim() != 2)
    throw InputError("vectors must be one vector or one per caption (a 2-D array), not " +
                     std::to_string(array.ndim()) + "-D");
  std::vector<std::vector<float>> rows;
  const auto dim = static_cast<std::size_t>(array.shape(1));
  for (py::ssize_t i = 0; i < array.shape(0); ++i)
    rows.emplace_back(array.data(i, 0), array.data(i, 0) + dim);
  return rows;
}

py::object vectors_array(const std::vector<std::vector<float>>& rows) {
  if (rows.empty()) return py::none();
  const auto dim = rows.front().size();  // a catalogue's vectors all have its dimension
  py::array_t<float> array({rows.size(), dim});
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::copy_n(rows[i].begin(), dim, array.mutable_data(static_cast<py::ssize_t>(i), 0));
  return array;
}

std::vector<std::string> captions_of(py::handle captions) {
  if (py::isinstance<py::str>(captions)) return {captions.cast<std::string>()};
  return captions.cast<std::vector<std::string>>();
}

Image image_of(py::handle item) {
  if (py::isinstance<Image>(item)) return item.cast<Image>();
  if (py::isinstance<py::dict>(item)) {
    auto d = py::reinterpret_borrow<py::dict>(item);
    for (auto [key, value] : d) {
      const auto name = py::str(key).cast<std::string>();
      if (name != "uri" && name != "captions" && name != "metadata" && name != "vectors" &&
          name != "picture")
        throw InputError("an image dict has no field \"" + name +
                         "\" (uri, captions, metadata, vectors, picture)");
    }
    if (!d.contains("uri")) throw InputError("an image dict needs a \"uri\"");
    Image image;
    image.uri = d["uri"].cast<std::string>();
    if (d.contains("captions")) image.captions = captions_of(d["captions"]);
    if (d.contains("metadata")) image.metadata = metadata_json(d["metadata"]);
    if (d.contains("vectors")) image.vectors = vectors_of(d["vectors"]);
    if (d.contains("picture") && !d["picture"].is_none())
      image.picture = py::str(d["picture"]).cast<std::string>();
    return image;
  }
  if (py::isinstance<py::tuple>(item)) {
    auto t = py::reinterpret_borrow<py::tuple>(item);
    if (t.size() < 2 || t.size() > 4)
      throw InputError("an image tuple is (uri, captions[, metadata[, vectors]]), not " +
                       std::to_string(t.size()) + " items");
    Image image;
    image.uri = t[0].cast<std::string>();
    image.captions = captions_of(t[1]);
    if (t.size() > 2) image.metadata = metadata_json(t[2]);
    if (t.size() > 3) image.vectors = vectors_of(t[3]);
    return image;
  }
  throw py::type_error("an image is a picdex.Image, a dict or a (uri, captions, ...) tuple, not " +
                       py::str(py::type::handle_of(item).attr("__name__")).cast<std::string>());
}

std::vector<Condition> conditions_of(py::handle where) {
  std::vector<Condition> conditions;
  if (where.is_none()) return conditions;
  if (py::isinstance<py::str>(where)) {
    conditions.push_back(Condition::parse(where.cast<std::string>()));
  } else if (py::isinstance<py::dict>(where)) {
    for (auto [key, value] : py::reinterpret_borrow<py::dict>(where)) {
      Condition c;
      c.key = py::str(key).cast<std::string>();
      if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
        c.op = Condition::Op::in;
        for (auto v : value) c.values.push_back(condition_value(v));
      } else {
        c.values.push_back(condition_value(value));
      }
      conditions.push_back(std::move(c));
    }
  } else {
    for (auto text : where)
      conditions.push_back(Condition::parse(py::str(text).cast<std::string>()));
  }
  return conditions;
}

void register_values(py::module_& m) {
  py::class_<Image>(m, "Image", R"(An image of a catalogue: its URI, captions and metadata.

Made by Catalogue.get() and Catalogue.images(); make one to put() many at once with
Catalogue.put_many(). `vectors` is a numpy array (one float32 row per caption) or None.)")
      .def(py::init([](std::string uri, py::handle captions, py::handle metadata,
                       py::handle vectors, py::handle picture) {
             Image image;
             image.uri = std::move(uri);
             image.captions = captions_of(captions);
             image.metadata = metadata_json(metadata);
             image.vectors = vectors_of(vectors);
             if (!picture.is_none()) image.picture = py::str(picture).cast<std::string>();
             return image;
           }),
           py::arg("uri"), py::arg("captions") = py::list(), py::arg("metadata") = py::none(),
           py::arg("vectors") = py::none(), py::arg("picture") = py::none())
      .def_readwrite("uri", &Image::uri)
      .def_readwrite("captions", &Image::captions, "The captions, a list of str (a copy).")
      .def_property(
          "metadata", [](const Image& i) { return metadata_object(i.metadata); },
          [](Image& i, py::handle m) { i.metadata = metadata_json(m); },
          "The metadata, a dict (decoded from the stored JSON on each read).")
      .def_property(
          "vectors", [](const Image& i) { return vectors_array(i.vectors); },
          [](Image& i, py::handle v) { i.vectors = vectors_of(v); },
          "One float32 row per caption (numpy), or None.")
      .def_property(
          "picture",
          [](const Image& i) -> py::object {
            return i.picture.empty() ? py::object(py::none()) : py::object(py::str(i.picture));
          },
          [](Image& i, py::handle p) {
            i.picture = p.is_none() ? std::string() : py::str(p).cast<std::string>();
          },
          "The picture file whose pixels are embedded too, or None.")
      .def("__repr__", [](const Image& i) {
        return "Image(" + py::repr(py::str(i.uri)).cast<std::string>() + ", " +
               py::repr(py::cast(i.captions)).cast<std::string>() + ", metadata=" + i.metadata +
               ")";
      });

  py::class_<Hit>(m, "Hit", "One search result: an image and its best-matching caption.")
      .def_readonly("uri", &Hit::uri)
      .def_readonly("score", &Hit::score,
                    "Cosine similarity of the query to the best-matching caption (or picture).")
      .def_readonly("caption", &Hit::caption, "That caption; empty when the picture matched.")
      .def_readonly("ranked_by", &Hit::ranked_by,
                    "What ranked the hit: the cosine (mode \"vector\"), the caption's BM25 "
                    "(\"keyword\") or the fused reciprocal-rank sum (\"hybrid\").")
      .def_property_readonly(
          "metadata", [](const Hit& h) { return metadata_object(h.metadata); },
          "The image's metadata, a dict (decoded on each read).")
      .def_readonly("metadata_json", &Hit::metadata, "The metadata as stored: JSON text.")
      .def_property_readonly(
          "matched", [](const Hit& h) { return h.matched_pixels() ? "picture" : "caption"; },
          "\"caption\", or \"picture\" when the image's pixels matched best.")
      .def("__repr__", [](const Hit& h) {
        return "Hit(" + py::repr(py::str(h.uri)).cast<std::string>() +
               ", score=" + py::repr(py::float_(h.score)).cast<std::string>() +
               ", caption=" + py::repr(py::str(h.caption)).cast<std::string>() + ")";
      });
}

}  // namespace picdex::python
