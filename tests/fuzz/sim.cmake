# Fuzz targets of the virtual fleet (included by tests/fuzz/CMakeLists.txt).
phil_fuzz_target(fuzz_sim_rtu_request SOURCES fuzz_sim_rtu_request.cpp
                 DEPS phil_sim_rtu phil_sim_runtime)
phil_fuzz_target(fuzz_sim_mbap SOURCES fuzz_sim_mbap.cpp DEPS phil_sim_rtu)
# ... and the device profiles it decodes itself (YAML), with the register map of each model.
phil_fuzz_target(fuzz_sim_profile SOURCES fuzz_sim_profile.cpp DEPS phil_sim_profile)
