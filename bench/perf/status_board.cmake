# The status board on 10,000 meters (issue 14 item 1): one store query plus the pure grouping.
phil_perf(status_board SOURCES status_board.cpp DEPS phil_service phil_store SQLite::SQLite3)
