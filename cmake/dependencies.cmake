# Every dependency is a Debian 12 package; scripts/deps.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Network Test)

pkg_check_modules(LUAJIT REQUIRED IMPORTED_TARGET luajit)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(restyscope_asio INTERFACE)
target_include_directories(restyscope_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
target_compile_definitions(restyscope_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED)
target_link_libraries(restyscope_asio INTERFACE Threads::Threads)

find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h REQUIRED)
find_library(HTTP_PARSER_LIBRARY http_parser REQUIRED)
add_library(restyscope_http_parser INTERFACE)
target_include_directories(restyscope_http_parser SYSTEM INTERFACE ${HTTP_PARSER_INCLUDE_DIR})
target_link_libraries(restyscope_http_parser INTERFACE ${HTTP_PARSER_LIBRARY})
