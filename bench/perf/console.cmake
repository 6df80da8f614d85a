# The console's status board with 10,000 meters (issue 16): first paint and a live update of
# 1,000 tiles, offscreen (Qt is an edge: only with PHIL_WITH_QT).
if(PHIL_WITH_QT)
  phil_perf(console_board SOURCES console_board.cpp DEPS phil_console nlohmann_json::nlohmann_json)
  if(PHIL_BUILD_TESTS)
    set_tests_properties(perf-smoke/console_board PROPERTIES ENVIRONMENT
      "QT_QPA_PLATFORM=offscreen;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/console/lsan_qt.supp")
  endif()
endif()
