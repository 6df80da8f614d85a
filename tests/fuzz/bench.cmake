# Fuzz targets of the scenario bench (included by tests/fuzz/CMakeLists.txt): the scenario
# loader, which reads YAML written by people, with the repository's profiles.
phil_fuzz_target(fuzz_bench_scenario SOURCES fuzz_bench_scenario.cpp DEPS phil_bench)
target_compile_definitions(fuzz_bench_scenario
                           PRIVATE PHIL_PROFILES_DIR="${PROJECT_SOURCE_DIR}/profiles")
