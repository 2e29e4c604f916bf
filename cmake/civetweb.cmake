# Builds CivetWeb from Debian's source package (fetched by scripts/setup.sh into
# .deps/civetweb) as a static library using the OpenSSL 3 API. Debian's prebuilt
# libcivetweb loads the OpenSSL 1.1 API at run time and crashes on the first TLS
# connection; see docs/architecture.md. Third-party warnings are not ours to
# fix, so this target is compiled without the project's -Werror flags.
# SOCKET_TIMEOUT_QUANTUM=200: CivetWeb polls its stop flag every 200 ms instead
# of 2 s, so a SIGTERM'd server exits in about 0.2 s.
# civetweb.c is compiled through cmake/civetweb_build.c, which routes its
# accept() through http/'s connection gate and adds two accessors
# (server/http/civetweb_hooks.h); the source itself is not changed.
set(CIVETWEB_DIR ${PROJECT_SOURCE_DIR}/.deps/civetweb CACHE PATH "CivetWeb source (from scripts/setup.sh)")
if(NOT EXISTS ${CIVETWEB_DIR}/src/civetweb.c)
  message(FATAL_ERROR "CivetWeb source not found in ${CIVETWEB_DIR}: run scripts/setup.sh first")
endif()

add_library(civetweb STATIC ${PROJECT_SOURCE_DIR}/cmake/civetweb_build.c)
set_source_files_properties(${PROJECT_SOURCE_DIR}/cmake/civetweb_build.c PROPERTIES
    OBJECT_DEPENDS ${CIVETWEB_DIR}/src/civetweb.c)
target_include_directories(civetweb SYSTEM PUBLIC ${CIVETWEB_DIR}/include)
target_include_directories(civetweb PRIVATE ${CIVETWEB_DIR}/src ${PROJECT_SOURCE_DIR}/server)
target_compile_definitions(civetweb PRIVATE OPENSSL_API_3_0 NO_SSL_DL USE_IPV6 NO_CGI
    SOCKET_TIMEOUT_QUANTUM=200)
target_compile_definitions(civetweb PUBLIC OPENSSL_API_3_0 USE_IPV6)
target_compile_options(civetweb PRIVATE -w)
target_link_libraries(civetweb PUBLIC OpenSSL::SSL OpenSSL::Crypto Threads::Threads ${CMAKE_DL_LIBS})
