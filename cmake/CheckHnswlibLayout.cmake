# Refuses, at configure time, an hnswlib whose memory layout is not the one picdex's adapter
# (lib/src/index/hnsw_adapter.hpp) was written for: layout 1, that of hnswlib 0.6.2. Builds
# and runs cmake/hnswlib_layout_check.cpp against the headers in HNSWLIB_INCLUDE_DIR.
function(picdex_check_hnswlib_layout)
  set(version "unknown version")
  find_program(DPKG_QUERY dpkg-query)
  if(DPKG_QUERY AND HNSWLIB_INCLUDE_DIR STREQUAL "/usr/include")  # Debian's package
    execute_process(COMMAND ${DPKG_QUERY} -W -f=\${Version} libhnswlib-dev
                    OUTPUT_VARIABLE found ERROR_QUIET RESULT_VARIABLE status)
    if(status EQUAL 0 AND found)
      set(version "libhnswlib-dev ${found}")
    endif()
  endif()
  try_run(run_status compile_ok ${CMAKE_BINARY_DIR}/hnswlib-layout-check
          ${PROJECT_SOURCE_DIR}/cmake/hnswlib_layout_check.cpp
          CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${HNSWLIB_INCLUDE_DIR}"
          CXX_STANDARD 20
          COMPILE_OUTPUT_VARIABLE compile_output RUN_OUTPUT_VARIABLE run_output)
  if(NOT compile_ok OR NOT run_status EQUAL 0)
    if(NOT compile_ok)
      set(run_output "it does not have the fields and functions the adapter uses")
    endif()
    message(FATAL_ERROR
      "hnswlib in ${HNSWLIB_INCLUDE_DIR} (${version}) does not have the memory layout picdex "
      "was written for (layout 1, that of hnswlib 0.6.2 as in Debian 12): ${run_output}\n"
      "picdex reads and maps hnswlib's memory directly (lib/src/index/hnsw_adapter.hpp); "
      "adapt that file to this hnswlib, or install hnswlib 0.6.2.")
  endif()
  message(STATUS "hnswlib (${version}): layout 1, as picdex's adapter expects")
endfunction()
