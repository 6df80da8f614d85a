# Benchmarks of the virtual fleet (included by bench/perf/CMakeLists.txt).
phil_perf(sim_model SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_model.cpp DEPS phil_sim_runtime GBENCH)
# The simulator serving real ptys in real time: line pacing, and how many circuits it serves.
phil_perf(sim_pacing SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_pacing.cpp
          DEPS phil_sim_runtime nlohmann_json::nlohmann_json)
phil_perf(sim_capacity SOURCES ${CMAKE_CURRENT_LIST_DIR}/sim_capacity.cpp
          DEPS phil_sim_runtime nlohmann_json::nlohmann_json Threads::Threads)
