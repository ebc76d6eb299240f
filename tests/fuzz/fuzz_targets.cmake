# The bodies of the fuzz targets (fuzz_targets.h), shared by the libFuzzer
# executables (tests/fuzz/CMakeLists.txt, clang only) and by the replay test
# of the ordinary build (tests/crash/CMakeLists.txt), plus the program that
# writes the seed corpora. Included from both places; defined once.
if(NOT TARGET o3lsm_fuzz_targets)
  add_library(o3lsm_fuzz_targets STATIC
    ${CMAKE_CURRENT_LIST_DIR}/sst_fuzzers.cc
    ${CMAKE_CURRENT_LIST_DIR}/log_fuzzers.cc
    ${CMAKE_CURRENT_LIST_DIR}/misc_fuzzers.cc
    ${CMAKE_CURRENT_LIST_DIR}/dm_fuzzers.cc
    # The shell's lexer, compiled in: a fuzz build has no tools.
    ${PROJECT_SOURCE_DIR}/tools/cli/command_line.cc
  )
  target_link_libraries(o3lsm_fuzz_targets PUBLIC o3lsm)
  target_include_directories(o3lsm_fuzz_targets PUBLIC ${PROJECT_SOURCE_DIR})

  add_executable(o3lsm_fuzz_seed_writer
    ${CMAKE_CURRENT_LIST_DIR}/seed_writer.cc)
  target_link_libraries(o3lsm_fuzz_seed_writer PRIVATE o3lsm)
  target_include_directories(o3lsm_fuzz_seed_writer
    PRIVATE ${PROJECT_SOURCE_DIR})
endif()
