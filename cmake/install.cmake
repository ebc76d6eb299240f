# o3lsm's install rules (O3LSM_INSTALL; docs/install.md), included by the
# top-level CMakeLists.txt once the library targets exist. Three install
# components, so that a package (or tests/install) can take what it needs:
#   Runtime      libo3lsm.so.MAJOR and libo3lsm.so.VERSION
#   Development  the headers (o3lsm/version.h included), libo3lsm.so,
#                libo3lsm.a, the CMake package, o3lsm.pc
#   Tools        o3lsm-cli, o3lsm-bench, o3lsm-node, o3lsm-stress
#                (tools/CMakeLists.txt)

set(O3LSM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/o3lsm)

# ---- Headers: the whole public folder, and the generated version.h ----
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/o3lsm
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT Development
  FILES_MATCHING PATTERN "*.h")
install(FILES ${O3LSM_GENERATED_INCLUDE_DIR}/o3lsm/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/o3lsm
  COMPONENT Development)

# ---- Libraries and the CMake package ----
# Two export sets: o3lsmTargets.cmake (the shared library, which needs
# nothing but Threads from a consumer) is always loaded;
# o3lsmStaticTargets.cmake only once the static library's dependencies are
# found (cmake/o3lsmConfig.cmake.in).
install(TARGETS o3lsm_shared EXPORT o3lsmTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT Runtime
    NAMELINK_COMPONENT Development)
install(TARGETS o3lsm EXPORT o3lsmStaticTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT Development)
install(EXPORT o3lsmTargets
  NAMESPACE o3lsm::
  DESTINATION ${O3LSM_INSTALL_CMAKEDIR}
  COMPONENT Development)
install(EXPORT o3lsmStaticTargets
  NAMESPACE o3lsm::
  DESTINATION ${O3LSM_INSTALL_CMAKEDIR}
  COMPONENT Development)

# The pkg-config modules the static library links, as <prefix> <module>
# pairs: the prefixes name the PkgConfig:: targets o3lsm links, which the
# package's config file makes again in the consumer's project.
set(O3LSM_PKG_MODULES
  O3LSM_DEP_XXHASH libxxhash O3LSM_DEP_ZSTD libzstd O3LSM_DEP_LZ4 liblz4
  O3LSM_DEP_SNAPPY snappy)
if(O3LSM_WITH_RDMA)
  list(APPEND O3LSM_PKG_MODULES
    O3LSM_DEP_IBVERBS libibverbs O3LSM_DEP_RDMACM librdmacm)
endif()
if(O3LSM_WITH_OFI)
  list(APPEND O3LSM_PKG_MODULES O3LSM_DEP_FABRIC "libfabric>=1.17")
endif()
if(O3LSM_WITH_CXL)
  list(APPEND O3LSM_PKG_MODULES O3LSM_DEP_PMEM2 libpmem2)
endif()
if(O3LSM_WITH_NUMA)
  list(APPEND O3LSM_PKG_MODULES O3LSM_DEP_NUMA numa)
endif()
if(O3LSM_WITH_METRICS)
  set(O3LSM_NEEDS_PROMETHEUS ON)
else()
  set(O3LSM_NEEDS_PROMETHEUS OFF)
endif()
if(O3LSM_WITH_RDMA OR O3LSM_WITH_OFI)
  set(O3LSM_NEEDS_OPENSSL ON)
else()
  set(O3LSM_NEEDS_OPENSSL OFF)
endif()

configure_package_config_file(cmake/o3lsmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/o3lsmConfig.cmake
  INSTALL_DESTINATION ${O3LSM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/o3lsmConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/o3lsmConfig.cmake
    ${PROJECT_BINARY_DIR}/o3lsmConfigVersion.cmake
  DESTINATION ${O3LSM_INSTALL_CMAKEDIR}
  COMPONENT Development)

# ---- pkg-config: o3lsm.pc ----
# Requires.private names the modules the static library links (pkg-config
# --static adds them); TBB, libcrypto and prometheus-cpp only where they
# have a .pc file, else their libraries go to Libs.private. The C++ runtime
# (what the C++ compiler links and the C compiler does not: -lstdc++ -lm)
# goes there too, so that `cc prog.c $(pkg-config --static --libs o3lsm)`
# links.
set(pc_modules ${O3LSM_PKG_MODULES})
set(pc_requires "")
while(pc_modules)
  list(POP_FRONT pc_modules prefix module)
  string(REGEX REPLACE "([<>=]+)" " \\1 " module "${module}")  # "a >= 1"
  list(APPEND pc_requires "${module}")
endwhile()
set(pc_libs "-pthread")
pkg_check_modules(O3LSM_PC_TBB QUIET tbb)
if(O3LSM_PC_TBB_FOUND)
  list(APPEND pc_requires tbb)
else()
  list(APPEND pc_libs -ltbb)
endif()
if(O3LSM_NEEDS_OPENSSL)
  pkg_check_modules(O3LSM_PC_CRYPTO QUIET libcrypto)
  if(O3LSM_PC_CRYPTO_FOUND)
    list(APPEND pc_requires libcrypto)
  else()
    list(APPEND pc_libs -lcrypto)
  endif()
endif()
set(cxx_runtime ${CMAKE_CXX_IMPLICIT_LINK_LIBRARIES})
list(REMOVE_ITEM cxx_runtime ${CMAKE_C_IMPLICIT_LINK_LIBRARIES})
list(REMOVE_DUPLICATES cxx_runtime)
foreach(lib IN LISTS cxx_runtime)
  list(APPEND pc_libs "-l${lib}")
endforeach()
if(O3LSM_NEEDS_PROMETHEUS)
  pkg_check_modules(O3LSM_PC_PROMETHEUS QUIET prometheus-cpp-core)
  if(O3LSM_PC_PROMETHEUS_FOUND)
    list(APPEND pc_requires prometheus-cpp-core)
  else()
    list(APPEND pc_libs -lprometheus-cpp-core)
  endif()
  # civetweb has no .pc file.
  list(APPEND pc_libs -lcivetweb-cpp -lcivetweb -ldl)
endif()
list(JOIN pc_requires ", " O3LSM_PC_REQUIRES_PRIVATE)
list(JOIN pc_libs " " O3LSM_PC_LIBS_PRIVATE)

# The prefix is found from the .pc file's own place (${pcfiledir}), so the
# file is right for `cmake --install --prefix P` and for a moved tree.
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(O3LSM_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(O3LSM_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(O3LSM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH pc_up "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" pc_up "${pc_up}")
  set(O3LSM_PC_PREFIX "\${pcfiledir}/${pc_up}")
endif()
configure_file(cmake/o3lsm.pc.in ${PROJECT_BINARY_DIR}/o3lsm.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/o3lsm.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT Development)

# systemd units for the memory and worker roles of o3lsm-node, written at
# install time (packaging/systemd/install_units.cmake), and an example
# /etc/default/o3lsm. docs/cluster.md, "Running under systemd".
if(TARGET o3lsm-node)
  install(CODE "
    set(O3LSM_UNIT_SOURCE_DIR \"${PROJECT_SOURCE_DIR}/packaging/systemd\")
    set(O3LSM_UNIT_BINDIR_REL \"${CMAKE_INSTALL_BINDIR}\")
    set(O3LSM_UNIT_DIR_REL lib/systemd/system)
    include(\"${PROJECT_SOURCE_DIR}/packaging/systemd/install_units.cmake\")"
    COMPONENT Tools)
  install(FILES packaging/systemd/o3lsm.default
    DESTINATION ${CMAKE_INSTALL_DATADIR}/o3lsm/systemd
    COMPONENT Tools)
endif()
