// CLIP's tokenizer against the reference tokenizer's ids for 2,024 texts (Flickr8k and
// Conceptual Captions captions, and edge cases): ../shared/data/clip, see its SOURCE.txt.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "embed/clip_tokenizer.hpp"
#include "picdex/error.hpp"
#include "support.hpp"

using picdex::embed::ClipTokenizer;

namespace {
const std::filesystem::path kClipData = std::filesystem::path(PICDEX_SHARED_DATA) / "clip";
}

TEST_CASE("CLIP's tokenizer gives the reference ids for every case", "[clip]") {
  if (!std::filesystem::exists(kClipData / "tokenizer_cases.jsonl")) {
    return picdex::test::skip("no " + kClipData.string() + " (the shared data sets)");
  }
  const ClipTokenizer tokenizer(kClipData / "bpe_simple_vocab_16e6.txt.gz");
  std::ifstream cases(kClipData / "tokenizer_cases.jsonl");
  std::string line;
  std::size_t total = 0, equal = 0;
  while (std::getline(cases, line)) {
    const auto c = nlohmann::json::parse(line);
    const auto text = c["text"].get<std::string>();
    const auto want = c["ids"].get<std::vector<std::int32_t>>();
    // The reference ids are not cut to 77; compare with no limit, then check the cut.
    const auto got = tokenizer.encode(text, std::numeric_limits<std::size_t>::max());
    ++total;
    equal += got == want;
    if (got != want) {
      INFO("text: " << text);
      CHECK(got == want);
    }
    const auto cut = tokenizer.encode(text);
    if (want.size() <= ClipTokenizer::kContextLength) {
      CHECK(cut == want);
    } else {
      REQUIRE(cut.size() == ClipTokenizer::kContextLength);
      CHECK(std::equal(cut.begin(), cut.end() - 1, want.begin()));
      CHECK(cut.back() == ClipTokenizer::kEndToken);
    }
  }
  CHECK(total == 2024);
  CHECK(equal == total);
  std::printf("CLIP tokenizer: %zu/%zu cases give the reference ids\n", equal, total);
}

TEST_CASE("CLIP's tokenizer refuses a merges file that is not CLIP's", "[clip]") {
  picdex::test::TempDir dir;
  CHECK_THROWS_AS(ClipTokenizer(dir / "missing.txt.gz"), picdex::NotFoundError);
  picdex::test::write_file(dir / "short.txt", "#version: 0.2\nh e\n");  // gzread reads plain text
  CHECK_THROWS_WITH(ClipTokenizer(dir / "short.txt"),
                    (dir / "short.txt").string() + ": holds 1 merges; CLIP's vocabulary has 48894");
}
