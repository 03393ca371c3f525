"""A full outage: every controller stopped in order (an orderly shutdown of the whole
site), then every controller killed at once (power loss). After the kill the cluster comes
back by itself when the nodes boot (GlusterFS, Galera's saved Primary view, glance); after
the orderly stop no member may start a cluster alone (the others might hold newer data or
run one), and site.yml, the documented command, bootstraps the member holding every
committed transaction and joins the rest. Every image downloads through the VIP with its
checksum after each. And one controller lost without a goodbye (hung, or cut off): nothing
waits past the bound the failure timeouts set, and it comes back by itself.

Runs after the store changes (test_9_reconfigure); leaves the cluster whole.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from testlib.cluster import (INVENTORY, cluster_whole, copy_fact_cache, docker, haproxy_stat, healthcheck,
                             incident_report, node_names, paused, playbook, recap, vip_holders, wait_for)
from testlib.day2 import PLAYBOOK
from testlib.loadgen import Stream
from testlib.network import Route
from testlib.playbooks import why_failed


def _boot(names: list[str]) -> None:
    docker("start", *names)


def _images_intact(api, images) -> None:
    for image_id, digest in images.items():
        assert api.sha256(image_id) == digest, image_id


def _grastate(node) -> dict[str, str]:
    text = node.check_output("cat /var/lib/mysql/grastate.dat")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in text.splitlines()) if _}


def test_power_loss_of_every_controller_comes_back_by_itself(api, images, nodes):
    names = node_names()
    docker("kill", *names)  # SIGKILL to every init: nothing shuts down cleanly
    _boot(names)
    # Galera restores the Primary component its members saved (pc.recovery) once all of them
    # are back; GlusterFS restarts its bricks; glance and HAProxy find both.
    wait_for(lambda: cluster_whole(nodes), "the cluster back by itself after a power loss", timeout=300, interval=3)
    _images_intact(api, images)


def test_orderly_stop_of_every_controller_comes_back_with_site_yml(api, images, nodes):
    names = node_names()
    for name in names:  # one after the other: the last to stop holds every transaction
        docker("stop", name)
    _boot(names)
    last = nodes[-1]
    wait_for(lambda: last.service("mariadb").is_enabled, "the nodes to boot", timeout=60, interval=1)
    assert _grastate(last)["safe_to_bootstrap"] == "1"
    assert all(_grastate(n)["safe_to_bootstrap"] == "0" for n in nodes[:-1])
    run = playbook("site.yml", inventory=INVENTORY)
    assert run.returncode == 0, why_failed(run)
    # The bootstrap ran on the member that stopped last, and nowhere else.
    section = run.stdout.split("TASK [galera : Bootstrap a new Primary component]", 1)[1].split("\nTASK [", 1)[0]
    assert [line for line in section.splitlines() if line.startswith("changed:")] == [f"changed: [{names[-1]}]"], section
    wait_for(lambda: cluster_whole(nodes), "the cluster whole after site.yml", timeout=120, interval=3)
    _images_intact(api, images)


def test_a_controller_down_stops_the_playbooks_before_any_change(nodes, tmp_path):
    """One controller down: site.yml and reconfigure-store.yml stop before any change and
    name it (a controller left out would miss the change); back, it rejoins by itself, and
    site.yml --limit to it converges it."""
    down = node_names()[-1]
    # Both runs at once (neither may change anything), each with a fact cache of its own.
    caches = [copy_fact_cache(tmp_path / f"facts-{index}") for index in range(2)]
    docker("stop", down)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = list(pool.map(
                lambda args, cache: playbook(*args, inventory=INVENTORY,
                                             env={"ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)}),
                (["site.yml"], [PLAYBOOK, "-e", "glance_default_store=file"]), caches))
        for run in runs:
            assert run.returncode != 0, run.stdout[-3000:]
            assert f"fatal: [{down}]: UNREACHABLE!" in run.stdout, run.stdout[-3000:]
            counts = recap(run.stdout)
            assert counts and all(c["changed"] == 0 for c in counts.values()), counts
    finally:
        _boot([down])
    wait_for(lambda: cluster_whole(nodes), f"{down} back in every service", timeout=300, interval=3)
    # A run limited to it converges it alone: the Galera decision reads the members outside
    # the run from the first one (it failed on their missing reports before).
    run = playbook("site.yml", "--limit", down, inventory=INVENTORY)
    assert run.returncode == 0, why_failed(run)
    assert set(recap(run.stdout)) == {down} and recap(run.stdout)[down]["changed"] == 0, recap(run.stdout)


# The longest a request through the VIP may take while one controller hangs or is cut off:
# the longest stall the failure timeouts allow (docs/benchmarks.md, node loss).
NODE_LOSS_BOUND = 20.0


@pytest.mark.parametrize("event", ["hang", "cut"])
def test_a_hung_or_cut_off_controller_delays_no_request_past_the_bound_and_comes_back(
        event, api, image_url, os_session, vip, nodes):
    """One controller that does not hold the VIP frozen (docker pause: a hung machine) or cut
    off (its interface down: a partition) for 20 s under 20 requests/s (image show, listing,
    64 KiB download): every request succeeds within NODE_LOSS_BOUND, what was sent to it
    included (HAProxy sends it to another server after its server timeout; it is no other
    HAProxy's last resort). Then it comes back by itself: its store probe passes again (it
    wrote while its brick was away: a probe file that kept one name ended in a gfid
    split-brain and the node never returned), Galera has every member, every HAProxy sees
    it UP."""
    small = api.upload(f"node-loss-{event}", os.urandom(64 << 10))
    victim = next(n for n in nodes if n not in vip_holders(nodes, vip))
    name = victim.backend.host
    route = Route.of(name)
    frozen = contextlib.ExitStack()

    def start():
        if event == "cut":
            route.cut()
        else:
            held, errors = frozen.enter_context(paused([name]))
            assert held, errors

    def end():
        if event == "cut":
            route.reconnect()
        frozen.close()

    paths = [f"/v2/images/{small}", "/v2/images?limit=5", f"/v2/images/{small}/file"]
    stream = Stream(image_url, paths, rate=20, token=os_session.get_token(), timeout=NODE_LOSS_BOUND + 10)
    since = nodes[0].check_output("date '+%F %T'")
    try:
        stream.run(45, events={5: start, 25: end})
    finally:
        end()
    # A hung node listed as another load balancer's last resort took the retries of what it
    # had held while the others' checks failed in the stall: a second server timeout.
    for node in nodes:
        if node is not victim:
            assert ("glance_api", f"{name}-last-resort") not in haproxy_stat(node), node.backend.host
    late = [f"{r.start:.1f}+{r.duration:.1f}s {r.status or r.error} {r.path}"
            for r in stream.results if not r.ok or r.duration > NODE_LOSS_BOUND]
    assert not late, f"{len(late)} late or failed: {late[:20]}\n{stream.summary()}\n" + incident_report(nodes, since)
    wait_for(lambda: cluster_whole(nodes), f"{name} back in every service", timeout=300, interval=3)
    assert healthcheck(victim) == 200
    api.delete(small)
