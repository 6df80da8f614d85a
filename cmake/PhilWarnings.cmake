# Common compile settings for every first-party target: call phil_target_defaults(<target>).
add_library(phil_build_flags INTERFACE)
target_compile_options(phil_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)
if(PHIL_WERROR)
  target_compile_options(phil_build_flags INTERFACE -Werror)
  # GCC 12's flow-based warnings give false positives inside libstdc++ once -O2/-O3 inlines
  # std::string, std::optional and streams (e.g. GCC bugs 105329, 105651: -Wrestrict on string
  # concatenation; -Wmaybe-uninitialized on optionals; -Wnull-dereference in <streambuf>). They
  # stay warnings in optimised builds but do not fail them; the debug-asan build that CI uses
  # keeps every warning an error.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(phil_build_flags INTERFACE
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=restrict>
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=maybe-uninitialized>
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=stringop-overflow>
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=array-bounds>
      $<$<NOT:$<CONFIG:Debug>>:-Wno-error=null-dereference>)
  endif()
endif()
if(PHIL_SANITIZE)
  target_compile_options(phil_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(phil_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(PHIL_SANITIZE_THREAD)
  # Every first-party target, test and app; third-party libraries (libmodbus, SQLite, yaml-cpp,
  # Boost's compiled parts) are not instrumented: script/tsan's suppressions file says which of
  # their internals TSan cannot see and why.
  target_compile_options(phil_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(phil_build_flags INTERFACE -fsanitize=thread)
  # TSan does not model std::atomic_thread_fence (GCC 12: -Wtsan, an error here). Asio's only
  # fences are its fenced blocks around handler calls, which its scheduler's mutex already
  # orders; without them TSan judges Asio by the mutexes it can see.
  target_compile_definitions(phil_build_flags INTERFACE BOOST_ASIO_DISABLE_FENCED_BLOCK)
endif()

function(phil_target_defaults target)
  target_link_libraries(${target} PRIVATE phil_build_flags)
endfunction()

# phil_library(<name> SOURCES ... DEPS ... [PRIVATE_DEPS ...]): one library per concern, with
# include/ as its public interface and src/ as its implementation.
function(phil_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  phil_target_defaults(${name})
endfunction()

# phil_test(<name> SOURCES ... DEPS ...): a GoogleTest executable registered with CTest.
function(phil_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  phil_target_defaults(${name})
  target_compile_definitions(${name} PRIVATE
    PHIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}" PHIL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300)
endfunction()
