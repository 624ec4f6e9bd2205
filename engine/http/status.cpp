#include "engine/http/status.h"

#include <utility>

namespace restyscope::engine::http {

namespace {

// Reason phrases as nginx's status lines carry them (observed, not RFC 9110 where they differ).
std::string_view reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Time-out";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 421: return "Misdirected Request";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Temporarily Unavailable";
    case 504: return "Gateway Time-out";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return {};
    }
}

// Page titles differ from the status line for a few codes ("302 Found").
std::pair<std::string_view, std::string_view> pageTitleAndNote(int status)
{
    switch (status) {
    case 301: return {"301 Moved Permanently", {}};
    case 302: return {"302 Found", {}};
    case 303: return {"303 See Other", {}};
    case 307: return {"307 Temporary Redirect", {}};
    case 308: return {"308 Permanent Redirect", {}};
    case 400: return {"400 Bad Request", {}};
    case 401: return {"401 Authorization Required", {}};
    case 402: return {"402 Payment Required", {}};
    case 403: return {"403 Forbidden", {}};
    case 404: return {"404 Not Found", {}};
    case 405: return {"405 Not Allowed", {}};
    case 406: return {"406 Not Acceptable", {}};
    case 408: return {"408 Request Time-out", {}};
    case 409: return {"409 Conflict", {}};
    case 410: return {"410 Gone", {}};
    case 411: return {"411 Length Required", {}};
    case 412: return {"412 Precondition Failed", {}};
    case 413: return {"413 Request Entity Too Large", {}};
    case 414: return {"414 Request-URI Too Large", {}};
    case 415: return {"415 Unsupported Media Type", {}};
    case 416: return {"416 Requested Range Not Satisfiable", {}};
    case 421: return {"421 Misdirected Request", {}};
    case 429: return {"429 Too Many Requests", {}};
    case 494:
        return {"400 Request Header Or Cookie Too Large", "Request Header Or Cookie Too Large"};
    case 495: return {"400 The SSL certificate error", "The SSL certificate error"};
    case 496:
        return {"400 No required SSL certificate was sent", "No required SSL certificate was sent"};
    case 497:
        return {"400 The plain HTTP request was sent to HTTPS port",
                "The plain HTTP request was sent to HTTPS port"};
    case 500: return {"500 Internal Server Error", {}};
    case 501: return {"501 Not Implemented", {}};
    case 502: return {"502 Bad Gateway", {}};
    case 503: return {"503 Service Temporarily Unavailable", {}};
    case 504: return {"504 Gateway Time-out", {}};
    case 505: return {"505 HTTP Version Not Supported", {}};
    case 507: return {"507 Insufficient Storage", {}};
    default: return {};
    }
}

} // namespace

std::string statusLine(int status)
{
    std::string line = std::to_string(status);
    line.push_back(' ');
    line.append(reasonPhrase(status));
    return line;
}

int wireStatus(int status)
{
    return (status >= 494 && status <= 497) ? 400 : status;
}

std::string specialResponsePage(int status, std::string_view serverToken)
{
    const auto [title, note] = pageTitleAndNote(status);
    if (title.empty()) {
        return {};
    }
    std::string page;
    page.reserve(200);
    page.append("<html>\r\n<head><title>").append(title).append("</title></head>\r\n<body>\r\n");
    const std::string_view heading = note.empty() ? title : std::string_view("400 Bad Request");
    page.append("<center><h1>").append(heading).append("</h1></center>\r\n");
    if (!note.empty()) {
        page.append("<center>").append(note).append("</center>\r\n");
    }
    page.append("<hr><center>").append(serverToken).append("</center>\r\n</body>\r\n</html>\r\n");
    return page;
}

bool specialResponseClosesConnection(int status)
{
    switch (status) {
    case 400:
    case 413:
    case 414:
    case 495:
    case 496:
    case 497:
    case 500:
    case 501: return true;
    default: return false;
    }
}

bool isRedirectStatus(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

} // namespace restyscope::engine::http
