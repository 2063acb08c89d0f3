// The test binary: Catch's session, and the exit status test::kSkipped when a test could
// not run here (test::skip) and nothing failed, so that ctest reports it as skipped.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support.hpp"

int main(int argc, char** argv) {
  const int failed = Catch::Session().run(argc, argv);
  if (failed == 0 && picdex::test::any_skipped()) return picdex::test::kSkipped;
  return failed;
}
