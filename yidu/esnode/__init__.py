"""The embedded Elasticsearch node(s) the project installs, runs and stops itself.

    from yidu.esnode import EsNode
    node = EsNode(settings)
    node.install(); node.start(); node.status(); node.stop()

Modules: `distribution` (Maven fetch, unpacking, JDK checks), `layout` (where files live, the
unprivileged account), `probe` (what answers on a port), `process` (launching and finding the
node processes), `node` (`EsNode`, which ties them together). With `ES_URL` set the cluster is
someone else's: install/start/stop refuse and status reports that cluster's health.
"""
from yidu.esnode.node import REMOTE_REFUSAL, EsNode

__all__ = ["EsNode", "REMOTE_REFUSAL"]
