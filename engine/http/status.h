#pragma once
// nginx's status-line texts and special response pages (ngx_http_special_response.c's
// observable output: recorded by running nginx 1.22.1 with `return CODE;`).

#include <string>
#include <string_view>

namespace restyscope::engine::http {

// nginx's pseudo statuses (NGX_* return codes), used by finalize().
inline constexpr int kNgxOk = 0;
inline constexpr int kNgxError = -1;
inline constexpr int kNgxAgain = -2;
inline constexpr int kNgxDone = -4;
inline constexpr int kNgxDeclined = -5;

// Statuses nginx answers by closing the connection without a response.
inline constexpr int kStatusRequestTimeout = 408;
inline constexpr int kStatusClose = 444;
inline constexpr int kStatusHeaderTooLarge = 494; // sent as 400 with its own page
inline constexpr int kStatusClientClosed = 499;

// "200 OK", or "299 " for a status nginx has no text for.
std::string statusLine(int status);

// The HTML body nginx sends for an error status with no custom text; empty when nginx has
// no page for it (it then sends the header alone with Content-Length: 0).
// serverToken is what the page's footer names ("nginx/1.22.1" in nginx).
std::string specialResponsePage(int status, std::string_view serverToken);

// The status that goes on the wire for an internal one (494 -> 400).
int wireStatus(int status);

// Whether nginx drops keep-alive when it sends this error status.
bool specialResponseClosesConnection(int status);

bool isRedirectStatus(int status); // 301, 302, 303, 307, 308

} // namespace restyscope::engine::http
