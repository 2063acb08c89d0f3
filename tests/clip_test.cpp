// The CLIP embedder (builds with PICDEX_WITH_CLIP) against Python: tiny CLIP-shaped
// TorchScript models and images that scripts/make_clip_test_models.py generates with
// Debian's python3-torch and python3-torchvision (the fixture "clip_test_models"), and
// the reference values it computes. The one test binary that loads libtorch.
#include <ATen/Parallel.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "embed/clip.hpp"
#include "embed/clip_preprocess.hpp"
#include "embed/image_file.hpp"
#include "picdex/catalogue.hpp"
#include "picdex/embedder.hpp"
#include "picdex/error.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using picdex::test::TempDir;

namespace {

const fs::path kFixtures = PICDEX_CLIP_FIXTURES;
const fs::path kModels = kFixtures / "models";
const fs::path kImages = kFixtures / "images";

const nlohmann::json& reference() {
  static const auto json = [] {
    std::ifstream in(kFixtures / "reference.json");
    REQUIRE(in);
    return nlohmann::json::parse(in);
  }();
  return json;
}

std::vector<std::string> strings(const char* key) {
  return reference()[key].get<std::vector<std::string>>();
}

// The largest |a - b| over rows of floats.
double max_difference(const std::vector<std::vector<float>>& want, std::span<const float> got) {
  double worst = 0;
  std::size_t at = 0;
  for (const auto& row : want)
    for (const auto value : row) worst = std::max(worst, std::abs(double(value) - got[at++]));
  REQUIRE(at == got.size());
  return worst;
}

std::unique_ptr<picdex::Embedder> clip(const std::string& model) {
  return picdex::make_embedder("clip:" + (kModels / model).string());
}

std::vector<fs::path> image_files() {
  std::vector<fs::path> files;
  for (const auto& name : strings("images")) files.push_back(kImages / name);
  return files;
}

}  // namespace

TEST_CASE("CLIP preprocessing equals CLIP's own: torchvision's transforms on Pillow images",
          "[clip]") {
  const auto want = reference()["pixels"].get<std::vector<std::vector<float>>>();
  const auto files = image_files();
  const auto resolution = reference()["resolution"].get<std::size_t>();
  double worst = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    INFO(files[i].string());
    const auto got =
        picdex::embed::clip_preprocess(picdex::embed::read_image(files[i]), resolution);
    REQUIRE(got.size() == 3 * resolution * resolution);
    const auto difference = max_difference({want[i]}, got);
    CHECK(difference <= 1e-6);
    worst = std::max(worst, difference);
  }
  std::printf(
      "CLIP preprocessing: %zu images (PNG RGB, grey, grey+alpha, palette, RGBA, 16-bit; "
      "JPEG; 20 to 500 pixels wide), largest difference from CLIP's %.3g (torchvision on tensors "
      "differs by %.3g)\n",
      files.size(), worst, reference()["tensor_pipeline_max_difference"].get<double>());
}

TEST_CASE("CLIP models embed texts and images as Python does", "[clip]") {
  const auto texts_owned = strings("texts");
  const std::vector<std::string_view> texts(texts_owned.begin(), texts_owned.end());
  const auto files = image_files();
  // Python cannot run gpu_half.pt on this machine as it is: it needs CUDA.
  CHECK(reference()["gpu_half_runs_unpatched"] == false);
  const auto text_want = reference()["text_features"].get<std::vector<std::vector<float>>>();
  const auto image_want = reference()["image_features"].get<std::vector<std::vector<float>>>();
  for (const char* model : {"scripted.pt", "traced.pt", "gpu_half.pt"}) {
    INFO(model);
    const auto embedder = clip(model);
    REQUIRE(embedder->dim() == text_want[0].size());
    CHECK(embedder->embeds_images());
    std::vector<float> text_got(texts.size() * embedder->dim());
    embedder->embed_batch(texts, text_got, 1);
    CHECK(at::get_num_threads() == 1);  // the caller's thread count reaches libtorch
    std::vector<float> image_got(files.size() * embedder->dim());
    embedder->embed_images(files, image_got, 2);
    CHECK(at::get_num_threads() == 2);
    const auto text_difference = max_difference(text_want, text_got);
    const auto image_difference = max_difference(image_want, image_got);
    CHECK(text_difference <= 1e-5);
    CHECK(image_difference <= 1e-5);
    // One at a time gives what the batch gave.
    std::vector<float> one(embedder->dim());
    embedder->embed(texts[2], one);
    CHECK(max_difference({text_want[2]}, one) <= 1e-5);
    std::printf("CLIP %-11s %zu texts, largest difference %.3g; %zu images, %.3g\n", model,
                texts.size(), text_difference, files.size(), image_difference);
  }
}

TEST_CASE("A CLIP embedder's spec names its model and fingerprint", "[clip]") {
  const auto embedder = clip("scripted.pt");
  const auto spec = embedder->spec();
  CHECK(spec.starts_with("clip:model=" + (kModels / "scripted.pt").string() + ",fingerprint="));
  CHECK(picdex::make_embedder(spec)->spec() == spec);  // the stored spec opens again

  TempDir dir;
  fs::copy_file(kModels / "scripted.pt", dir / "model.pt");
  fs::copy_file(kModels / "bpe_simple_vocab_16e6.txt.gz", dir / "bpe_simple_vocab_16e6.txt.gz");
  const auto copy_spec = picdex::make_embedder("clip:" + (dir / "model.pt").string())->spec();
  fs::copy_file(kModels / "traced.pt", dir / "model.pt", fs::copy_options::overwrite_existing);
  CHECK_THROWS_AS(picdex::make_embedder(copy_spec), picdex::EmbedderMismatchError);
}

TEST_CASE("CLIP refuses files that are not CLIP models, in one line", "[clip]") {
  const auto message = [](const std::string& model) {
    try {
      clip(model);
    } catch (const picdex::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("not_torchscript.pt")
            .starts_with((kModels / "not_torchscript.pt").string() +
                         ": not a TorchScript archive ("));
  CHECK(message("no_methods.pt") ==
        (kModels / "no_methods.pt").string() +
            ": the TorchScript archive has no encode_text method; a CLIP model has "
            "encode_text and encode_image");
  CHECK(message("missing.pt") == "embedder 'clip:" + (kModels / "missing.pt").string() +
                                     "': " + (kModels / "missing.pt").string() + " does not exist");
  for (const char* model : {"not_torchscript.pt", "no_methods.pt"})
    CHECK(message(model).find('\n') == std::string::npos);
}

TEST_CASE("Image files that cannot be decoded are refused, naming the file", "[clip]") {
  TempDir dir;
  picdex::test::write_file(dir / "text.jpg", "this is text, not a picture\n");
  std::string jpeg;
  {
    std::ifstream in(kImages / "purple-circle.jpg", std::ios::binary);
    jpeg.assign(std::istreambuf_iterator<char>(in), {});
  }
  picdex::test::write_file(dir / "cut.jpg", jpeg.substr(0, jpeg.size() / 2));
  std::string png;
  {
    std::ifstream in(kImages / "red-circle.png", std::ios::binary);
    png.assign(std::istreambuf_iterator<char>(in), {});
  }
  picdex::test::write_file(dir / "cut.png", png.substr(0, png.size() - 30));
  using picdex::embed::read_image;
  CHECK_THROWS_WITH(read_image(dir / "text.jpg"),
                    (dir / "text.jpg").string() + ": is not a JPEG or PNG image");
  CHECK_THROWS_WITH(read_image(dir / "cut.jpg"),
                    Catch::StartsWith((dir / "cut.jpg").string() + ": damaged image ("));
  CHECK_THROWS_WITH(read_image(dir / "cut.png"),
                    Catch::StartsWith((dir / "cut.png").string() + ": damaged image ("));
  CHECK_THROWS_WITH(read_image(dir / "missing.png"),
                    (dir / "missing.png").string() + ": cannot be read (missing or no permission)");
  CHECK_THROWS_WITH(read_image(dir.path()), dir.path().string() + ": is a directory, not an image");
  // Refused from its header, before a pixel is decoded or a buffer sized.
  CHECK_THROWS_WITH(read_image(kFixtures / "bad" / "huge.png"),
                    (kFixtures / "bad" / "huge.png").string() +
                        ": image is 100000x100000 pixels, over the limit of 67108864");
  const auto embedder = clip("scripted.pt");
  std::vector<fs::path> files = {kImages / "red-circle.png", dir / "text.jpg"};
  std::vector<float> out(2 * embedder->dim());
  CHECK_THROWS_AS(embedder->embed_images(files, out, 1), picdex::InputError);
}

namespace {

// Python's cosine of query text `query` with each image, by file name.
std::map<std::string, double> python_scores(std::size_t query) {
  std::map<std::string, double> out;
  const auto names = strings("images");
  const auto scores = reference()["scores"][query].get<std::vector<double>>();
  for (std::size_t i = 0; i < names.size(); ++i) out[names[i]] = scores[i];
  return out;
}

// Hits agree with Python: every image, each scored as Python scores it, best first.
// (Some images have equal pixels, so equal scores: ranks among them may swap.)
void check_like_python(const std::vector<picdex::Hit>& hits, std::size_t query) {
  const auto want = python_scores(query);
  REQUIRE(hits.size() == want.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    INFO("query " << query << ", rank " << i + 1 << ": " << hits[i].uri);
    const auto name = fs::path(hits[i].uri).filename().string();
    REQUIRE(want.count(name));
    CHECK(std::abs(hits[i].score - want.at(name)) <= 1e-5);
    CHECK(hits[i].matched == picdex::Embedded::picture);
    CHECK(hits[i].caption.empty());
    if (i > 0) CHECK(hits[i - 1].score >= hits[i].score);
  }
}

}  // namespace

TEST_CASE("A CLIP catalogue ranks pictures as Python does, across reopening", "[clip]") {
  TempDir dir;
  const auto path = dir / "cat.pdx";
  picdex::CreateOptions create;
  create.embedder = "clip:" + (kModels / "scripted.pt").string();
  const auto texts = strings("texts");
  std::vector<std::vector<picdex::Hit>> first;
  {
    auto cat = picdex::Catalogue::create(path, create);
    std::vector<picdex::Image> images;
    for (const auto& file : image_files()) {
      picdex::Image image;
      image.uri = file.filename().string();
      image.picture = file.string();
      images.push_back(image);
    }
    CHECK(cat.put(images).added == images.size());
    CHECK(cat.put(images).unchanged == images.size());  // nothing embedded again
    picdex::SearchOptions all;
    all.k = images.size();
    for (std::size_t q = 0; q < texts.size(); ++q) {
      first.push_back(cat.search(texts[q], all));
      check_like_python(first.back(), q);
    }
    CHECK(cat.stats().pictures == images.size());
    CHECK(cat.caption_count() == 0);
    CHECK(cat.get("red-circle.png").picture == (kImages / "red-circle.png").string());
  }
  auto cat = picdex::Catalogue::open(path);
  picdex::SearchOptions all;
  all.k = first[0].size();
  for (std::size_t q = 0; q < texts.size(); ++q) {
    const auto again = cat.search(texts[q], all);
    REQUIRE(again.size() == first[q].size());
    for (std::size_t i = 0; i < again.size(); ++i) {
      CHECK(again[i].uri == first[q][i].uri);
      CHECK(again[i].score == first[q][i].score);
    }
  }
  CHECK(cat.verify().ok());
}

TEST_CASE("Captions and pixels coexist; a hit says which matched", "[clip]") {
  TempDir dir;
  picdex::CreateOptions create;
  create.embedder = "clip:" + (kModels / "scripted.pt").string();
  auto cat = picdex::Catalogue::create(dir / "cat.pdx", create);
  const auto texts = strings("texts");
  fs::copy_file(kImages / "red-circle.png", dir / "photo.png");
  picdex::Image image("photo", {texts[0]});
  image.picture = (dir / "photo.png").string();
  picdex::Image other("other", {texts[1]});
  cat.put(std::vector<picdex::Image>{image, other});
  // A picture is not a caption: counted apart.
  CHECK(cat.caption_count() == 2);
  CHECK(cat.stats().captions == 2);
  CHECK(cat.stats().pictures == 1);

  auto hits = cat.search(texts[0]);  // the caption itself: cosine 1
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].uri == "photo");
  CHECK(hits[0].matched == picdex::Embedded::caption);
  CHECK(hits[0].caption == texts[0]);
  CHECK(hits[0].score == Approx(1.0f).margin(1e-5));

  // A query nearer the pixels than the caption finds them: Python's best image for
  // texts[2], set as the picture, and a caption unlike the query.
  const auto scores = python_scores(2);
  const auto best = std::max_element(scores.begin(), scores.end(), [](auto& a, auto& b) {
                      return a.second < b.second;
                    })->first;
  fs::copy_file(kImages / best, dir / "photo.png", fs::copy_options::overwrite_existing);
  CHECK(cat.put(image).updated == 1);  // same path, new content: embedded again
  hits = cat.search(texts[2]);
  const auto photo =
      std::find_if(hits.begin(), hits.end(), [](auto& h) { return h.uri == "photo"; });
  REQUIRE(photo != hits.end());
  CHECK(photo->score >= scores.at(best) - 1e-5);
  if (photo->matched_pixels()) CHECK(photo->score == Approx(scores.at(best)).margin(1e-5));

  // Without its picture the image keeps only its caption.
  image.picture.clear();
  CHECK(cat.put(image).updated == 1);
  CHECK(cat.stats().pictures == 0);
  for (const auto& hit : cat.search(texts[2])) CHECK_FALSE(hit.matched_pixels());
  CHECK(cat.verify().ok());
}

TEST_CASE("picdex import --images, then search, through the binary", "[clip][cli]") {
  TempDir dir;
  const auto cat = (dir / "cat.pdx").string();
  using picdex::test::run_picdex;
  auto run = run_picdex({"init", cat, "--embedder", "clip:" + (kModels / "scripted.pt").string()});
  REQUIRE(run.status == 0);
  fs::copy(kImages, dir / "photos");
  picdex::test::write_file(dir / "photos" / "notes.txt", "not a picture, skipped by its name\n");
  run = run_picdex({"import", cat, "--images", (dir / "photos").string()});
  INFO(run.err);
  REQUIRE(run.status == 0);
  CHECK(run.err.find("13 added, 0 updated, 0 unchanged, 0 failed, 13 files") != std::string::npos);

  const auto texts = strings("texts");
  for (std::size_t q = 0; q < texts.size(); ++q) {
    run = run_picdex({"search", cat, texts[q], "--k", "13", "--json"});
    REQUIRE(run.status == 0);
    std::vector<picdex::Hit> hits;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line);
      CHECK(j["matched"] == "pixels");
      picdex::Hit hit;
      hit.uri = j["uri"];
      hit.score = j["score"].get<float>();
      hits.push_back(hit);
    }
    // The CLI rounds scores to 6 decimals.
    const auto want = python_scores(q);
    REQUIRE(hits.size() == want.size());
    for (std::size_t i = 0; i < hits.size(); ++i) {
      CHECK(std::abs(hits[i].score - want.at(fs::path(hits[i].uri).filename().string())) <= 2e-5);
      if (i > 0) CHECK(hits[i - 1].score >= hits[i].score);
    }
  }

  // Query by example: a picture finds itself (or its twin of equal pixels) first.
  const auto example = (dir / "photos" / "red-circle.png").string();
  run = run_picdex({"search", cat, "--image", example, "-k", "2", "--json"});
  REQUIRE(run.status == 0);
  const auto top = nlohmann::json::parse(run.out.substr(0, run.out.find('\n')));
  CHECK(top["score"].get<double>() == Approx(1.0).margin(1e-5));
  CHECK((top["uri"] == example || top["uri"] == (dir / "photos" / "palette-circle.png").string()));
  CHECK(top["matched"] == "pixels");

  // A damaged picture: one line naming it, nothing of its batch written.
  picdex::test::write_file(dir / "photos" / "zz-broken.png", "\x89PNG\r\n\x1a\n not really");
  const auto before = run_picdex({"stats", cat, "--json"}).out;
  run = run_picdex({"import", cat, "--images", (dir / "photos").string()});
  CHECK(run.status == 65);
  const auto broken = (dir / "photos" / "zz-broken.png").string();
  CHECK(run.err.starts_with("picdex: " + broken + ": image: damaged image ("));
  CHECK(run_picdex({"stats", cat, "--json"}).out == before);

  // A missing folder is missing input (66); a file given as the folder is bad input (65).
  run = run_picdex({"import", cat, "--images", (dir / "nowhere").string()});
  CHECK(run.status == 66);
  CHECK(run.err == "picdex: " + (dir / "nowhere").string() + ": does not exist\n");
  run = run_picdex({"import", cat, "--images", (dir / "photos" / "notes.txt").string()});
  CHECK(run.status == 65);
  CHECK(run.err == "picdex: " + (dir / "photos" / "notes.txt").string() + ": is not a folder\n");

  // A text-only catalogue refuses pictures, saying why.
  const auto plain = (dir / "plain.pdx").string();
  REQUIRE(run_picdex({"init", plain, "--embedder", "lexical"}).status == 0);
  run = run_picdex({"import", plain, "--images", (dir / "photos").string()});
  CHECK(run.status == 65);
  CHECK(run.err.find("embeds text only; pictures need a CLIP catalogue") != std::string::npos);
  run = run_picdex({"search", plain, "--image", example});
  CHECK(run.status == 65);
  CHECK(run.err.find("embeds text only; --image needs a CLIP catalogue") != std::string::npos);
}
