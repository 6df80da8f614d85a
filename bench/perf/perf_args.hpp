#pragma once
// The command line the plain perf_* benchmarks share: `--out FILE.json` (where the figures go)
// and `--smoke` (a short run, what CTest runs). Benchmarks with more options parse their own.
#include <cstdio>
#include <optional>
#include <string>

namespace phil::perf {

struct CommonArgs {
  std::string out;  ///< JSON output file; empty: stdout only
  bool smoke = false;
};

/// Parses --out FILE and --smoke. Anything else prints "usage: <usage>" to stderr and returns
/// nullopt (the caller exits with status 2).
inline std::optional<CommonArgs> parse_common_args(int argc, char** argv, const char* usage) {
  CommonArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      args.smoke = true;
    } else if (a == "--out" && i + 1 < argc) {
      args.out = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s\n", usage);
      return std::nullopt;
    }
  }
  return args;
}

}  // namespace phil::perf
