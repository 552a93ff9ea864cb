# Included from the top-level CMakeLists.txt: what `cmake --install build [--prefix P]` puts
# where (GNUInstallDirs), and the package files that let another project use the library:
#   bin/feather                        the command line (with the verilated models of this build)
#   lib/libfeather_sw.a                the software library: models, router, compiler, mapper
#   include/feather/...                its headers (feather/version.hpp generated)
#   lib/cmake/feather/                 featherConfig.cmake: find_package(feather), feather::sw
#   lib/pkgconfig/feather.pc           pkg-config --cflags --libs feather
#   share/feather/                     suites.yaml (feather regress's default), networks/,
#                                      layers/, configs/arrays.json
#   share/man/man1/feather.1           generated from --help by help2man (when installed)
#   lib/python3/dist-packages/feather*.so   the Python module (docs/python.md)
include(CMakePackageConfigHelpers)

set(FEATHER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/feather)

install(TARGETS feather_sw EXPORT featherTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sw/include/feather
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/sw/include/feather/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/feather)
install(EXPORT featherTargets NAMESPACE feather:: DESTINATION ${FEATHER_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/featherConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/featherConfig.cmake
                              INSTALL_DESTINATION ${FEATHER_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/featherConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/featherConfig.cmake
              ${PROJECT_BINARY_DIR}/featherConfigVersion.cmake
        DESTINATION ${FEATHER_CMAKE_DIR})

# pkg-config: the library is static, so its dependencies are in Libs / Requires, not .private.
# The prefix is found from the .pc file's own place, so `--prefix` at install time is honoured.
file(RELATIVE_PATH FEATHER_PC_TO_PREFIX /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
string(REGEX REPLACE "/$" "" FEATHER_PC_TO_PREFIX "${FEATHER_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/feather.pc.in ${PROJECT_BINARY_DIR}/feather.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/feather.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The command line and the data it reads. The installed feather finds its suites at
# ../share/feather/suites.yaml from its own directory (sim/cli/regress_cmd.cpp).
install(TARGETS feather RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/verif/regress/suites.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/feather)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sw/networks ${PROJECT_SOURCE_DIR}/sw/layers
        DESTINATION ${CMAKE_INSTALL_DATADIR}/feather FILES_MATCHING PATTERN "*.yaml")
install(FILES ${PROJECT_SOURCE_DIR}/sw/configs/arrays.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/feather/configs)

# The Python module (docs/python.md), where Debian's python3 looks in a prefix.
if(TARGET feather_python)
  install(TARGETS feather_python LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/python3/dist-packages)
endif()

# The man page, from the CLI's own --help and --version (help2man; make deps installs it).
find_program(HELP2MAN help2man)
if(HELP2MAN)
  # Every subcommand's --help goes into a COMMANDS section (cmake/man_include.sh).
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/feather.1
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/man_include.sh $<TARGET_FILE:feather>
            ${PROJECT_BINARY_DIR}/feather.h2m
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section 1
            --name "FEATHER accelerator RTL, models and tools"
            --include ${PROJECT_BINARY_DIR}/feather.h2m
            --output ${PROJECT_BINARY_DIR}/feather.1 $<TARGET_FILE:feather>
    DEPENDS feather ${CMAKE_CURRENT_LIST_DIR}/man_include.sh
    COMMENT "help2man: feather.1")
  add_custom_target(feather_man ALL DEPENDS ${PROJECT_BINARY_DIR}/feather.1)
  install(FILES ${PROJECT_BINARY_DIR}/feather.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (make deps installs it)")
endif()
