// main() for Google Benchmark based perf_* executables: --out FILE writes JSON, --smoke runs
// every benchmark briefly. Other arguments go to Google Benchmark unchanged.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

int main(int argc, char** argv) {
  std::vector<std::string> args{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--smoke") {
      args.emplace_back("--benchmark_min_time=0.01");
    } else if (a == "--out" && i + 1 < argc) {
      args.emplace_back(std::string("--benchmark_out=") + argv[++i]);
      args.emplace_back("--benchmark_out_format=json");
    } else {
      args.push_back(a);
    }
  }
  std::vector<char*> cargs;
  for (auto& a : args)
    cargs.push_back(a.data());
  int n = static_cast<int>(cargs.size());
  benchmark::Initialize(&n, cargs.data());
  if (benchmark::ReportUnrecognizedArguments(n, cargs.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
