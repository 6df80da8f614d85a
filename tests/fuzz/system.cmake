# Fuzz targets of the system's decoders of outside bytes: device profiles (YAML) and the register
# words a box returns for a poll.
phil_fuzz_target(fuzz_system_profile
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_profile.cpp DEPS phil_meterlink)
phil_fuzz_target(fuzz_system_registers
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_registers.cpp DEPS phil_meterlink
  phil_test_support)
# ... and the byte stream of an RTU-over-TCP link, reassembled into replies by length and CRC.
phil_fuzz_target(fuzz_system_rtu_reply
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_rtu_reply.cpp DEPS phil_meterlink)
# ... and the site model file of `prepaidctl site import`.
phil_fuzz_target(fuzz_system_site_model
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_site_model.cpp DEPS phil_app_support)
# ... and the tariff file of `prepaidctl tariff add --file`.
phil_fuzz_target(fuzz_system_tariff_file
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_tariff_file.cpp DEPS phil_service)
# ... and the supervision reads of a box: serial numbers (BCD), box clock, TOU schedule read-back.
phil_fuzz_target(fuzz_system_meter_words
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_meter_words.cpp DEPS phil_meterlink
  phil_test_support)
# ... and what a client sends the HTTPS API: the request target, headers and JSON bodies.
phil_fuzz_target(fuzz_api_router
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_api_router.cpp DEPS phil_api nlohmann_json::nlohmann_json)
# The console's live feed decoder: server-sent events from the network (plain C++, no Qt).
phil_fuzz_target(fuzz_console_sse
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_console_sse.cpp DEPS phil_console_sse)
