# Style checks that keep the house in order (run by ctest: cmake -DROOT=<source dir> -P check_rooms.cmake):
#  1. nothing below the CLI prints: no std::cout/std::cerr/printf/puts outside src/cli;
#  2. each third-party library lives in one room: its headers are included only where listed here;
#  3. public headers include no third-party header at all;
#  4. an emitter class is spelled as a string in one place, its row of the class table
#     (src/core/emitter_class.cpp); everything else names it by EmitterClass.
set(rooms
  "fftw3\\.h|src/dsp/fft\\.cpp"
  "hdf5|src/io/"
  "H5[A-Za-z]*\\.h|src/io/"
  "SoapySDR/|src/source/"
  "boost/program_options|src/cli/"
  "liquid/liquid\\.h|src/sim/|src/classify/channelizer\\.cpp|src/decode/"
  "btbb\\.h|src/decode/bluetooth_br\\.cpp"
  "nlohmann/json|src/report/|src/sim/|src/eval/|src/cli/|src/io/|src/monitor/|src/publish/"
  "mosquitto\\.h|src/publish/"
  "httplib\\.h|src/publish/metrics_server\\.cpp"
  "cairo|src/render/"
  "glib\\.h|glib/|src/render/html\\.cpp|src/report/redact\\.cpp")

# The keys, read from the table's rows ({EmitterClass::x, "x", …}); "unknown" is left out: it also
# names unknown sample formats.
file(STRINGS ${ROOT}/src/core/emitter_class.cpp table_rows REGEX "{EmitterClass::[a-z0-9_]+, \"[a-z0-9_]+\"")
set(class_keys "")
foreach(row IN LISTS table_rows)
  if(row MATCHES "{EmitterClass::[a-z0-9_]+, \"([a-z0-9_]+)\"" AND NOT CMAKE_MATCH_1 STREQUAL "unknown")
    list(APPEND class_keys ${CMAKE_MATCH_1})
  endif()
endforeach()
list(LENGTH class_keys class_count)
if(class_count LESS 8)
  message(FATAL_ERROR "style: read only ${class_count} emitter classes from src/core/emitter_class.cpp (${class_keys})")
endif()
list(JOIN class_keys "|" class_key_pattern)

file(GLOB_RECURSE sources RELATIVE ${ROOT} ${ROOT}/src/*.cpp ${ROOT}/src/*.hpp ${ROOT}/include/*.hpp)
set(problems "")
foreach(file ${sources})
  file(STRINGS ${ROOT}/${file} lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n}+1")
    # The library watchdog prints its one line itself: it ends the process, so no CLI is left to.
    if(NOT file MATCHES "^src/cli/" AND NOT file STREQUAL "src/io/library_watchdog.cpp")
      if(line MATCHES "std::cout|std::cerr|std::clog|(^|[^a-z_])printf[ ]*\\(|(^|[^a-z_])fprintf[ ]*\\(|(^|[^a-z_])puts[ ]*\\(")
        string(APPEND problems "${file}:${n}: prints below the CLI: ${line}\n")
      endif()
    endif()
    if(NOT file STREQUAL "src/core/emitter_class.cpp" AND line MATCHES "\"(${class_key_pattern})\"")
      string(APPEND problems "${file}:${n}: spells the emitter class ${CMAKE_MATCH_1} (use EmitterClass::${CMAKE_MATCH_1}): ${line}\n")
    endif()
    if(line MATCHES "^[ ]*#[ ]*include[ ]*[<\"]([^>\"]+)[>\"]")
      set(header ${CMAKE_MATCH_1})
      foreach(room ${rooms})
        string(REPLACE "|" ";" parts "${room}")
        list(POP_FRONT parts pattern)
        if(header MATCHES "^(${pattern})")
          set(allowed FALSE)
          foreach(place ${parts})
            if(file MATCHES "^${place}")
              set(allowed TRUE)
            endif()
          endforeach()
          if(NOT allowed)
            string(APPEND problems "${file}:${n}: includes ${header} outside its room (${parts})\n")
          endif()
        endif()
      endforeach()
    endif()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "style problems:\n${problems}")
endif()
list(LENGTH sources count)
message(STATUS "style: ${count} files checked, no problems")
