# Collector benchmarks: poll cycle time against the wire limit (seed site, paced loopback line).
phil_perf(collector_cycle SOURCES ${CMAKE_CURRENT_LIST_DIR}/collector_cycle.cpp
          DEPS phil_service phil_meterlink nlohmann_json::nlohmann_json)
# Sale-to-confirmed latency while poll cycles run (seed site at 9600 baud, Collector).
phil_perf(collector_latency SOURCES ${CMAKE_CURRENT_LIST_DIR}/collector_latency.cpp
          DEPS phil_service phil_meterlink nlohmann_json::nlohmann_json)
# 200 buses at 115200 baud on loopback, polled on schedule by one worker per bus.
phil_perf(collector_scale SOURCES ${CMAKE_CURRENT_LIST_DIR}/collector_scale.cpp
          DEPS phil_service phil_meterlink nlohmann_json::nlohmann_json spdlog::spdlog)
# State age with the status scan running, and sales' latency beside it (seed site, 9600 baud).
phil_perf(collector_freshness SOURCES ${CMAKE_CURRENT_LIST_DIR}/collector_freshness.cpp
          DEPS phil_service phil_meterlink nlohmann_json::nlohmann_json)
