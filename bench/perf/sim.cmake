# Benchmarks of the virtual fleet (included by bench/perf/CMakeLists.txt).
phil_perf(sim_model SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_model.cpp DEPS phil_sim_runtime GBENCH)
