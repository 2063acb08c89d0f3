#include "crash_rounds.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/wait.h>

#include <cstring>
#include <map>
#include <picdex/picdex.hpp>
#include <random>
#include <set>

#include "child.hpp"
#include "powercut.hpp"
#include "support.hpp"

namespace picdex::test {
namespace {

constexpr std::size_t kBatchSize = 10;
constexpr std::size_t kBatchesPerWriter = 60;    // bounds the growth, so rounds stay quick
constexpr std::size_t kRoundsPerCatalogue = 50;  // then start again from an empty one
// Where a writer may be made to die, besides a random moment (see fault/failpoint.hpp).
constexpr const char* kFailpoints[] = {"commit.before", "commit.after", "snapshot.temp",
                                       "snapshot.renamed", "snapshot.recorded"};

struct Stored {
  std::map<long, std::size_t> images_per_batch;
  std::vector<std::vector<float>> vectors;
};

Stored read_stored(const std::filesystem::path& catalogue) {
  Stored stored;
  SQLite::Database db(catalogue.string(), SQLite::OPEN_READONLY);
  SQLite::Statement images(db, "SELECT uri FROM images");
  while (images.executeStep()) ++stored.images_per_batch[workload_batch(images.getColumn(0))];
  SQLite::Statement captions(db, "SELECT vec FROM captions");
  while (captions.executeStep()) {
    const auto blob = captions.getColumn(0);
    std::vector<float> v(static_cast<std::size_t>(blob.getBytes()) / sizeof(float));
    std::memcpy(v.data(), blob.getBlob(), v.size() * sizeof(float));
    stored.vectors.push_back(std::move(v));
  }
  return stored;
}

float best_exact_score(const Stored& stored, const std::vector<float>& query) {
  float best = -2;
  for (const auto& v : stored.vectors) {
    float dot = 0;
    for (std::size_t d = 0; d < v.size(); ++d) dot += v[d] * query[d];
    best = std::max(best, dot);
  }
  return best;
}

// After a writer died: reopens the catalogue as a user would and checks it against the
// batches writers reported committed (`reported`, which gains any batch found whole),
// counting into `tally`; `next_batch` becomes the first batch not yet stored.
void check_reopened(const std::filesystem::path& catalogue, std::size_t round, std::mt19937_64& rng,
                    std::set<long>& reported, long& next_batch, CrashTally& tally,
                    std::size_t& warnings) {
  auto problem = [&](const std::string& what) {
    if (tally.first_problem.empty()) tally.first_problem = what;
  };
  if (!std::filesystem::exists(catalogue)) {  // killed while creating it: all or nothing
    if (!reported.empty()) problem("round " + std::to_string(round) + ": catalogue vanished");
    return;
  }
  // Reopen as a user would, counting warnings.
  OpenOptions options;
  options.observer.warning = [&](std::string_view) { ++warnings; };
  try {
    auto cat = Catalogue::open(catalogue, options);
    const auto report = cat.verify();
    if (!report.ok()) {
      ++tally.verify_failures;
      problem("round " + std::to_string(round) + ": verify: " + report.problems.front());
    }
    const auto stored = read_stored(catalogue);
    std::size_t unreported = 0;
    for (const auto& [batch, count] : stored.images_per_batch) {
      if (count != kBatchSize) {
        ++tally.partial_batches;
        problem("round " + std::to_string(round) + ": batch " + std::to_string(batch) + " has " +
                std::to_string(count) + " images");
      } else if (!reported.count(batch)) {
        ++unreported;
        reported.insert(batch);  // it is committed now, whatever the writer said
      }
      next_batch = std::max(next_batch, batch + 1);
    }
    tally.unreported_batches += unreported;
    if (unreported > 1) problem("round " + std::to_string(round) + ": several unreported batches");
    for (const long batch : reported) {
      const auto it = stored.images_per_batch.find(batch);
      if (it == stored.images_per_batch.end() || it->second != kBatchSize) {
        ++tally.lost_batches;
        problem("round " + std::to_string(round) + ": committed batch " + std::to_string(batch) +
                " lost");
      }
    }
    // The graph answers like an exact scan over what SQLite holds.
    if (!reported.empty()) {
      auto it = reported.begin();
      std::advance(it, static_cast<long>(rng() % reported.size()));
      const auto text = workload_caption(static_cast<std::size_t>(*it), rng() % kBatchSize);
      std::vector<float> query(cat.embedder().dim());
      cat.embedder().embed_query(text, query);
      const auto hits = cat.search(text, {.k = 1});
      if (hits.empty() || std::abs(hits[0].score - best_exact_score(stored, query)) > 1e-4f) {
        ++tally.search_mismatches;
        problem("round " + std::to_string(round) + ": search for '" + text +
                "' does not match the exact scan");
      }
    }
  } catch (const std::exception& e) {
    ++tally.verify_failures;
    problem("round " + std::to_string(round) + ": reopen failed: " + e.what());
  }
  // (The graph is opened at the first search or verify: its warnings come then.)
  tally.warnings += warnings;
  if (warnings > 1)
    problem("round " + std::to_string(round) + ": " + std::to_string(warnings) +
            " warnings on reopen (a damaged snapshot is rebuilt with one)");
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const CrashTally& t) {
  out << t.rounds << " rounds, " << t.kills << " kills: " << t.committed_batches
      << " batches reported committed, " << t.lost_batches << " committed batches lost, "
      << t.partial_batches << " partial batches, " << t.unreported_batches
      << " whole unreported batches, " << t.verify_failures << " verify failures, "
      << t.search_mismatches << " search mismatches, " << t.warnings << " warnings on reopen";
  if (!t.first_problem.empty()) out << "; first problem: " << t.first_problem;
  return out;
}

namespace {

// The kill rounds, or with `power_cut` the power-cut rounds: the writer logs its SQLite
// changes (powercut.hpp), and after each kill the files are turned into a state a disk
// might hold after losing power, chosen by a seed drawn from `seed`.
CrashTally run_rounds(const std::string& worker, const std::filesystem::path& dir,
                      std::size_t rounds, std::uint64_t seed, std::ostream* log,
                      GraphPrecision graph, bool power_cut) {
  const auto catalogue = dir / "run" / "crash.pdx";
  const auto changes = dir / "powercut.log";
  std::mt19937_64 rng(seed);
  CrashTally tally;
  std::set<long> reported;  // every batch any writer reported committed
  long next_batch = 0;
  auto problem = [&](const std::string& what) {
    if (tally.first_problem.empty()) tally.first_problem = what;
  };

  for (std::size_t round = 0; round < rounds; ++round) {
    ++tally.rounds;
    if (round % kRoundsPerCatalogue == 0) {
      std::filesystem::remove_all(dir / "run");
      std::filesystem::remove(changes);
      std::filesystem::create_directories(dir / "run");
      reported.clear();
      next_batch = 0;
    }
    // Half the rounds die at a failpoint (its 1st to 3rd arrival), half at a random time.
    // Power-cut rounds die at their Nth change or sync (three in four), or at a failpoint.
    std::vector<std::string> env = {"PICDEX_WORKER_COMPACT_EVERY=15"};
    std::string how = "random";
    if (power_cut && rng() % 4 != 0) {  // (no random moments: a seed reproduces its rounds)
      const auto at = 1 + rng() % 800;
      how = "change@" + std::to_string(at);
      env.push_back("PICDEX_POWERCUT_AT=" + std::to_string(at));
    } else if (power_cut || rng() % 2) {
      how = std::string(kFailpoints[rng() % std::size(kFailpoints)]) + "@" +
            std::to_string(1 + rng() % 3);
      env.push_back("PICDEX_FAILPOINT=" + how);
    }
    if (power_cut) env.push_back("PICDEX_POWERCUT_LOG=" + changes.string());
    // A random kill comes after 5-200 ms; a failpoint round waits for its failpoint.
    const auto lifetime = std::chrono::milliseconds(how == "random" ? 5 + rng() % 196 : 20000);
    Child writer(
        worker,
        {"write", catalogue.string(), std::to_string(next_batch), std::to_string(kBatchesPerWriter),
         std::to_string(kBatchSize), "2", graph_precision_name(graph)},
        env, (dir / "writer.err").string());
    const auto deadline = std::chrono::steady_clock::now() + lifetime;
    std::size_t reported_now = 0;
    while (auto line = writer.read_line(deadline)) {
      if (line->rfind("committed ", 0) == 0) {
        reported.insert(std::stol(line->substr(10)));
        ++reported_now;
      }
    }
    const int status = writer.kill();
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++tally.kills;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {  // exit 0: it finished first
      problem("round " + std::to_string(round) + ": writer exited with status " +
              std::to_string(status) + " (see writer.err)");
    }
    tally.committed_batches += reported_now;

    std::string cut;
    if (power_cut && std::filesystem::exists(changes)) {
      const auto cut_seed = rng();
      cut = ", power cut (seed " + std::to_string(cut_seed) +
            "): " + materialise_power_cut(changes, cut_seed).describe();
    }
    std::size_t warnings = 0;
    check_reopened(catalogue, round, rng, reported, next_batch, tally, warnings);
    if (log)
      *log << "round " << round << " (" << how << ", " << lifetime.count()
           << " ms): " << reported_now << " batches reported, " << warnings << " warnings" << cut
           << "\n";
  }
  return tally;
}

}  // namespace

CrashTally run_crash_rounds(const std::string& worker, const std::filesystem::path& dir,
                            std::size_t rounds, std::uint64_t seed, std::ostream* log,
                            GraphPrecision graph) {
  return run_rounds(worker, dir, rounds, seed, log, graph, /*power_cut=*/false);
}

CrashTally run_powercut_rounds(const std::string& worker, const std::filesystem::path& dir,
                               std::size_t rounds, std::uint64_t seed, std::ostream* log) {
  return run_rounds(worker, dir, rounds, seed, log, GraphPrecision::float32, /*power_cut=*/true);
}

}  // namespace picdex::test
