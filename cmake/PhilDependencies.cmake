# Every dependency is a Debian package found through find_package or pkg-config;
# script/bootstrap installs whatever is missing.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
pkg_check_modules(MODBUS REQUIRED IMPORTED_TARGET libmodbus)
# argon2id password hashes of operators (crypto_pwhash_str)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# the reports' Excel workbooks (system/report)
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
# SHA-256 of the system log's hash chain: libcrypto uses the CPU's SHA extensions (about 1.6
# GB/s here, several times libsodium's portable code), which keeps a 10,000-meter poll cycle's
# digest of its charges within the chain's 5 % budget.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto SSL)
if(PHIL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
# The operator console (system/console): Qt6 Widgets, Charts, Network, PrintSupport (the
# receipt's PDF), LinguistTools (lrelease at build time); Test for its QTest suites.
if(PHIL_WITH_QT)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets Network Charts PrintSupport LinguistTools Test)
endif()

# Debian's yaml-cpp 0.7 exports the plain target name; give it one stable alias.
if(TARGET yaml-cpp AND NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp ALIAS yaml-cpp)
endif()
