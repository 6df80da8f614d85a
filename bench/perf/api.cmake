# prepaid-api under load (issue 15): tenant balance queries over TLS, the status board page.
phil_perf(api SOURCES api_load.cpp
          DEPS phil_api phil_service phil_store SQLite::SQLite3 Boost::headers OpenSSL::SSL
               OpenSSL::Crypto nlohmann_json::nlohmann_json Threads::Threads)
