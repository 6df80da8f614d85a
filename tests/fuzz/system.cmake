# Fuzz targets of the system's decoders of outside bytes: device profiles (YAML) and the register
# words a box returns for a poll.
phil_fuzz_target(fuzz_system_profile
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_profile.cpp DEPS phil_meterlink)
phil_fuzz_target(fuzz_system_registers
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_system_registers.cpp DEPS phil_meterlink)
