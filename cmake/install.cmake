# Install rules: headers, libtwisted, its CMake package (find_package) and
# pkg-config file. Components, which CPack turns into Debian packages
# (cmake/packaging.cmake):
#   dev      headers, libtwisted.a (or the libtwisted.so link), CMake + pkg-config files
#   lib      libtwisted.so.X.Y (shared builds only)
#   runtime  the twist runner and its man page (apps/twist/CMakeLists.txt)
include(CMakePackageConfigHelpers)

set(TWISTED_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/twistedcpp)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/twisted
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev
  FILES_MATCHING PATTERN "*.h")

install(TARGETS twisted EXPORT twistedcppTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev)

install(EXPORT twistedcppTargets
  NAMESPACE twisted::
  DESTINATION ${TWISTED_CMAKE_DIR}
  COMPONENT dev)

# A static libtwisted links libfmt and OpenSSL into its users (LINK_ONLY in
# the exported target), so the package config must find them; a shared one
# does not.
if(TWISTED_SHARED)
  set(TWISTED_CONFIG_FIND_FMT
    "# {fmt}, OpenSSL and liburing are linked into the shared libtwisted privately: nothing to find.")
else()
  set(TWISTED_CONFIG_FIND_FMT "find_dependency(fmt)\nfind_dependency(OpenSSL 3)\nfind_dependency(PkgConfig)\npkg_check_modules(LIBURING REQUIRED IMPORTED_TARGET liburing)")
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/twistedcppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/twistedcppConfig.cmake
  INSTALL_DESTINATION ${TWISTED_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same minor version is
# compatible (find_package(twistedcpp 0.1) accepts 0.1.x).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/twistedcppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/twistedcppConfig.cmake
  ${PROJECT_BINARY_DIR}/twistedcppConfigVersion.cmake
  DESTINATION ${TWISTED_CMAKE_DIR}
  COMPONENT dev)

# pkg-config. The prefix is the one of the actual install (cmake --install
# --prefix, CPack's /usr), so the file is written at install time.
if(TWISTED_SHARED)
  set(TWISTED_PC_REQUIRES "")
  set(TWISTED_PC_REQUIRES_PRIVATE "fmt openssl liburing")
  set(TWISTED_PC_LIBS "")
  set(TWISTED_PC_LIBS_PRIVATE "-pthread")
else()
  # A static library's dependencies are the user's link dependencies.
  set(TWISTED_PC_REQUIRES "fmt openssl liburing")
  set(TWISTED_PC_REQUIRES_PRIVATE "")
  set(TWISTED_PC_LIBS "-pthread")
  set(TWISTED_PC_LIBS_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/twistedcpp.pc.in ${PROJECT_BINARY_DIR}/twistedcpp.pc.in @ONLY)
install(CODE "
  file(READ \"${PROJECT_BINARY_DIR}/twistedcpp.pc.in\" pc)
  string(REPLACE \"%PREFIX%\" \"\${CMAKE_INSTALL_PREFIX}\" pc \"\${pc}\")
  file(WRITE \"${PROJECT_BINARY_DIR}/twistedcpp.pc\" \"\${pc}\")
" COMPONENT dev)
install(FILES ${PROJECT_BINARY_DIR}/twistedcpp.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT dev)

# The API reference (TWISTED_BUILD_APIDOCS): HTML under Debian's doc path.
if(TWISTED_BUILD_APIDOCS)
  install(DIRECTORY ${TWISTED_APIDOCS_DIR}/html/
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/twistedcpp-doc/html
    COMPONENT doc)
endif()
