# Operators: the cost of one login (argon2id verification and its audit row), issue 13.
phil_perf(login SOURCES login_cost.cpp DEPS phil_service)
