# Run by `cmake --install` (cmake/install.cmake): writes the systemd units
# with the o3lsm-node of the prefix being installed into, which is known
# only now (`cmake --install --prefix` may differ from the configured one).
# In: O3LSM_UNIT_SOURCE_DIR, O3LSM_UNIT_BINDIR_REL (bin, relative to the
# prefix), O3LSM_UNIT_DIR_REL (lib/systemd/system).
set(prefix "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(O3LSM_UNIT_BINDIR "${CMAKE_INSTALL_PREFIX}/${O3LSM_UNIT_BINDIR_REL}")
foreach(unit o3lsm-memory.service o3lsm-worker.service)
  configure_file("${O3LSM_UNIT_SOURCE_DIR}/${unit}.in"
                 "${prefix}/${O3LSM_UNIT_DIR_REL}/${unit}" @ONLY)
  message(STATUS "Installing: ${prefix}/${O3LSM_UNIT_DIR_REL}/${unit}")
endforeach()
