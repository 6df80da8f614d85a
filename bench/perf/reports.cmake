# The office's reports on 10,000 meters with a year of readings (issue 14 item 5).
phil_perf(reports SOURCES reports.cpp DEPS phil_service phil_store phil_report SQLite::SQLite3)
