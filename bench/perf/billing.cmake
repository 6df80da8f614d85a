# Billing core on SQLite: readings ingested per second in per-cycle batches, one poll cycle of
# 10,000 meters charged and committed, database bytes per meter-year of 30-minute readings.
phil_perf(billing SOURCES billing_cycle.cpp DEPS phil_store SQLite::SQLite3)
