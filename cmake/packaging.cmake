# CPack: Debian packages, one per install component (cmake/install.cmake).
#   libtwistedcpp-dev   headers, libtwisted, CMake package + pkg-config file
#   twistedcpp          the twist runner and its man page
#   libtwistedcpp<SOVERSION>  libtwisted.so.<SOVERSION> (TWISTED_SHARED builds only)
#   twistedcpp-doc      the API reference, HTML (TWISTED_BUILD_APIDOCS builds only)
# Build them with `cpack -G DEB` in a build directory configured with
# -DCMAKE_INSTALL_PREFIX=/usr (Debian's multiarch libdir), then
# `apt-get install ./libtwistedcpp-dev_*.deb ./twistedcpp_*.deb`.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME twistedcpp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "twistedcpp maintainers <twistedcpp@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# Runtime dependencies of binaries come from dpkg-shlibdeps (dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(twisted_deb_version "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

# Headers + library. The headers need a C++20 standard library (g++ 12);
# a static libtwisted needs {fmt}'s, OpenSSL's and liburing's libraries and
# CMake/pkg-config packages at link time.
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libtwistedcpp-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION "${PROJECT_DESCRIPTION}: development files
 Headers, the twisted library, its CMake package (find_package(twistedcpp)
 gives twisted::twisted) and pkg-config file (twistedcpp.pc).")
if(TWISTED_SHARED)
  set(twisted_lib_package libtwistedcpp${TWISTED_SOVERSION})
  set(CPACK_DEBIAN_LIB_PACKAGE_NAME ${twisted_lib_package})
  set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
  set(CPACK_COMPONENT_LIB_DESCRIPTION "${PROJECT_DESCRIPTION}: shared library")
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "${twisted_lib_package} (= ${twisted_deb_version}), libstdc++-12-dev")
  # twist links the package's own libtwisted.so, which dpkg-shlibdeps
  # cannot know about: declare the dependencies by hand.
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS
    "${twisted_lib_package} (= ${twisted_deb_version}), libc6, libstdc++6 (>= 12), libgcc-s1")
  set(CPACK_COMPONENTS_ALL lib dev runtime)
else()
  set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libfmt-dev, libssl-dev (>= 3), liburing-dev, libstdc++-12-dev")
  set(CPACK_COMPONENTS_ALL dev runtime)
endif()

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME twistedcpp)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "${PROJECT_DESCRIPTION}: the twist service runner
 twist runs one of twistedcpp's network services (chat, echo, discard,
 chargen, qotd, daytime, time, portforward); see twist(1).")

if(TWISTED_BUILD_APIDOCS)
  list(APPEND CPACK_COMPONENTS_ALL doc)
  set(CPACK_DEBIAN_DOC_PACKAGE_NAME twistedcpp-doc)
  set(CPACK_DEBIAN_DOC_PACKAGE_SECTION doc)
  set(CPACK_DEBIAN_DOC_PACKAGE_ARCHITECTURE all)
  set(CPACK_DEBIAN_DOC_PACKAGE_SHLIBDEPS OFF)
  set(CPACK_COMPONENT_DOC_DESCRIPTION "${PROJECT_DESCRIPTION}: API reference
 The reference of every public header, generated from the header comments
 with Doxygen; open /usr/share/doc/twistedcpp-doc/html/index.html.")
endif()

include(CPack)
