#pragma once
// The Posted queue: each live request's posted threads in queue order (run_posted_threads
// resumes them after the current coroutine yields), with why each was posted.

#include "ui/models/readylistmodel.h"

namespace restyscope::ui {

class PostedQueueModel : public QueueModel
{
    Q_OBJECT
public:
    using QueueModel::QueueModel;
    void setSnapshot(const engine::debug::Snapshot& snapshot);
};

} // namespace restyscope::ui
