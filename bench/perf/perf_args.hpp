#pragma once
// The command line the plain perf_* benchmarks share: `--out FILE.json` (where the figures go)
// and `--smoke` (a short run, what CTest runs). Benchmarks with more options parse their own.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

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

/// The middle of `v` (the upper one of an even count); `v` must not be empty.
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace phil::perf
