#include "engine/sched/context.h"

namespace restyscope::engine::sched {

std::string_view contextName(unsigned context)
{
    switch (context) {
    case kContextSet: return "set_by_lua*";
    case kContextRewrite: return "rewrite_by_lua*";
    case kContextServerRewrite: return "server_rewrite_by_lua*";
    case kContextAccess: return "access_by_lua*";
    case kContextContent: return "content_by_lua*";
    case kContextLog: return "log_by_lua*";
    case kContextHeaderFilter: return "header_filter_by_lua*";
    case kContextBodyFilter: return "body_filter_by_lua*";
    case kContextTimer: return "ngx.timer";
    case kContextInitWorker: return "init_worker_by_lua*";
    case kContextInit: return "init_by_lua*";
    default: return "(unknown)";
    }
}

std::string_view phaseName(unsigned context)
{
    switch (context) {
    case kContextSet: return "set";
    case kContextRewrite: return "rewrite";
    case kContextServerRewrite: return "server_rewrite";
    case kContextAccess: return "access";
    case kContextContent: return "content";
    case kContextLog: return "log";
    case kContextHeaderFilter: return "header_filter";
    case kContextBodyFilter: return "body_filter";
    case kContextTimer: return "timer";
    case kContextInitWorker: return "init_worker";
    case kContextInit: return "init";
    default: return "(unknown)";
    }
}

} // namespace restyscope::engine::sched
