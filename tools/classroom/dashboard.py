"""A student's own Visdom server (tools/classroom/singleuser.py starts it): tools/visdom_server.py without torch.

    python -m tools.classroom.dashboard [tools.visdom_server's arguments]

visdom imports torch if it can, only to recognise tensors in its client; the server never needs it. Blocking that
import keeps each student's dashboard at about 60 MB of memory instead of 240 MB.
"""

import sys

sys.modules["torch"] = None  # `import torch` now raises ImportError, which visdom handles

from tools import visdom_server  # noqa: E402 (after the block above, on purpose)

if __name__ == "__main__":
    sys.exit(visdom_server.main(sys.argv[1:]))
