#include "engine/modules/static/staticmodule.h"

#include "engine/conf/config.h"
#include "engine/http/phases.h"
#include "engine/trace/errorlog.h"

#include <sys/stat.h>

namespace restyscope::engine::modules {

bool StaticModule::postConfiguration(http::PhaseEngine& core, std::string&)
{
    core.addHandler(
        http::Phase::Content, *this, [&core](const std::shared_ptr<http::HttpRequest>& request) {
            const http::Request& r = request->request;
            if (const int bodyStatus = request->discardBody(); bodyStatus != 0) {
                return bodyStatus;
            }
            std::string path = core.config().prefix + "html" + r.uri;
            struct stat info
            {
            };
            if (r.uri.back() == '/') {
                const std::string directory = path;
                path += "index.html";
                if (::stat(path.c_str(), &info) != 0 && ::stat(directory.c_str(), &info) == 0) {
                    core.log().write(trace::LogLevel::Error, r.connection,
                                     "directory index of \"" + directory + "\" is forbidden" +
                                         http::logContext(r));
                    return 403;
                }
            }
            core.log().write(trace::LogLevel::Error, r.connection,
                             "open() \"" + path + "\" failed (2: No such file or directory)" +
                                 http::logContext(r));
            return 404;
        });
    return true;
}

} // namespace restyscope::engine::modules
