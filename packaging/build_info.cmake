# The commit odmr-fetch is built from, for `odmr-fetch --version`: what
# `git describe` says when cmake configures the tree, ODMR_COMMIT when given
# (package builds from a copy without .git pass it), else "unknown" (a
# tarball). Written to a generated header that only app/version.cpp reads,
# so a new commit recompiles one file, not the whole (ccached) build.
set(ODMR_COMMIT "" CACHE STRING "Commit to report in --version (default: git describe)")

function(odmr_build_info target)
  set(commit "${ODMR_COMMIT}")
  if(commit STREQUAL "")
    find_package(Git QUIET)
    if(GIT_FOUND)
      execute_process(COMMAND ${GIT_EXECUTABLE} describe --always --dirty --tags
                      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                      OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
                      ERROR_QUIET RESULT_VARIABLE failed)
      if(failed)
        set(commit "")
      endif()
    endif()
  endif()
  if(commit STREQUAL "")
    set(commit "unknown")
  endif()
  set(dir ${PROJECT_BINARY_DIR}/generated)
  file(CONFIGURE OUTPUT ${dir}/odmr_build_info.h
       CONTENT "#pragma once\n#define ODMR_FETCH_COMMIT \"@commit@\"\n" @ONLY)
  target_include_directories(${target} PRIVATE ${dir})
  message(STATUS "odmr-fetch commit: ${commit}")
endfunction()
