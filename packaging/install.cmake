# What `cmake --install BUILD --prefix /usr` puts where (GNUInstallDirs;
# DESTDIR works as usual). tests/packaging/test_install.py checks the tree.
include(GNUInstallDirs)

# Debian 12 wants units in /lib/systemd/system (packaging/debian/rules
# passes that); systemd also reads PREFIX/lib/systemd/system for /usr/local.
# Relative paths are under the prefix given at install time.
set(ODMR_SYSTEMD_UNIT_DIR "lib/systemd/system"
    CACHE PATH "Where the systemd units are installed")
set(ODMR_SYSUSERS_DIR "lib/sysusers.d"
    CACHE PATH "Where the sysusers.d file (the odmr-fetch system user) is installed")

install(TARGETS odmr-fetch RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES man/odmr-fetch.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES man/odmr-fetch.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES man/odmr-fetch-security.7 DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
install(FILES completions/odmr-fetch.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME odmr-fetch)
install(FILES completions/_odmr-fetch DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/odmr-fetch.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# The service runs the installed binary, wherever `--prefix` puts it: the
# unit is written at install time, when CMAKE_INSTALL_PREFIX is final.
set(unit_template ${PROJECT_SOURCE_DIR}/packaging/systemd/odmr-fetch@.service.in)
set(unit ${PROJECT_BINARY_DIR}/systemd/odmr-fetch@.service)
install(CODE "set(ODMR_FETCH_BINARY \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/odmr-fetch\")
              configure_file(\"${unit_template}\" \"${unit}\" @ONLY)")
install(FILES ${unit} packaging/systemd/odmr-fetch@.timer
        DESTINATION ${ODMR_SYSTEMD_UNIT_DIR})
install(FILES packaging/sysusers.d/odmr-fetch.conf DESTINATION ${ODMR_SYSUSERS_DIR})
install(FILES packaging/examples/example.org.conf packaging/examples/mail-store.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
