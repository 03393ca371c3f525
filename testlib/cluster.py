"""The molecule scenarios' fixtures and helpers (each scenario's conftest imports them all).

testinfra's `host` fixture runs a test once per node; the cluster tests need named nodes
(write on one, read on another), the docker CLI (to stop a node) and ansible-playbook
(to show what preflight refuses).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

from testlib import PROJECT, haproxy, role_python, tls, vip as vip_address
from testlib.openstack import Api, admin_session, image_endpoint
from testlib.playbooks import flat, recap  # noqa: F401 - the tests import them from here

MOUNT = "/var/lib/glance/images"
VOLUME = "glance"
BRICK = "/srv/gluster/bricks/glance"
GLANCE_UID = 42415
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")


@functools.cache
def _controllers() -> tuple[str, ...]:
    # ansible-inventory runs once per session: the autouse fixture nothing_left_paused asks
    # after every test (0.4 s a read).
    return tuple(sorted(AnsibleRunner(INVENTORY).get_hosts("controllers")))


def node_names() -> list[str]:
    """The scenario's controllers, in platform order."""
    return list(_controllers())


def session_nodes() -> list:
    return [testinfra.get_host(f"ansible://{n}?ansible_inventory={INVENTORY}") for n in node_names()]


@pytest.fixture(scope="session")
def nodes():
    return session_nodes()


@pytest.fixture(scope="session", autouse=True)
def trusted(nodes, tmp_path_factory) -> Path:
    """The bundle every client of the session verifies the cluster's certificates with."""
    return tls.trust(lambda path: nodes[0].check_output(f"cat {path}"), tmp_path_factory.mktemp("tls"))


def wait_for(check, what: str, timeout: float = 180, interval: float = 2):
    """Poll `check` until it returns a truthy value; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except AssertionError as err:  # a check may assert to explain itself
            last = err
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True)


# cgroup v1's freezer sometimes cannot freeze a container (seen under load: a task waiting
# on a FUSE request whose server, the GlusterFS client of the same container, froze first);
# runc then thaws it and `docker pause` fails for it alone.
PAUSE_TRIES = 5


def paused_containers(names: list[str] | None = None) -> list[str]:
    """Which of `names` (by default the inventory's controllers, a molecule scenario's or the
    lab's) are paused now."""
    out = docker("ps", "--filter", "status=paused", "--format", "{{.Names}}", check=False).stdout
    return sorted(set(out.split()) & set(node_names() if names is None else names))


@contextlib.contextmanager
def paused(names: list[str]):
    """Freeze the containers `names` together (docker pause) for the block. All or none: a
    partial freeze is thawed at once and tried again, up to PAUSE_TRIES times; yields the
    names frozen (all, or none when every try failed, with docker's words in `errors`).
    Every frozen container is thawed on the way out, whatever happened inside."""
    held: list[str] = []
    errors: list[str] = []
    try:
        for _ in range(PAUSE_TRIES):
            run = docker("pause", *names, check=False)
            frozen = paused_containers(names)
            held = [n for n in names if n in frozen]
            if len(held) == len(names):
                break
            errors.append(run.stderr.strip())
            docker("unpause", *held, check=False)
            held = []
            time.sleep(1)
        yield held, errors
    finally:
        if held:
            docker("unpause", *held, check=False)


@pytest.fixture(autouse=True)
def nothing_left_paused():
    """A test that froze containers and died before thawing them would fail every test
    after it: thaw them and fail that test instead."""
    yield
    left = paused_containers()
    if left:
        docker("unpause", *left, check=False)
        pytest.fail(f"containers left paused (now thawed): {left}")


def playbook(*args: str, inventory: Path, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run one of the project's playbooks the way an operator would (`env`: settings on top).

    Under `nice`: an operator's deploy host is another machine, here it shares the lab's
    CPU. At full priority, ansible-playbook's own start (inventory, workers, connections,
    facts of 5 hosts) starved the controllers of a CPU-bound host: image downloads through
    the VIP took 6-9 s in the first seconds of a store change under load. The nodes share
    them too, and a real controller has cores to spare for Ansible: the interpreters Ansible
    starts on the nodes (and what their modules run) get `nice -n 10` as well. Without it a
    store change under load failed 3-13 requests in its first seconds, in 4 runs of 4; with
    it none, in 3 of 3 (docs/benchmarks.md). The deploy host's own tasks keep its Python."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", ANSIBLE_PYTHON_INTERPRETER="/usr/bin/nice -n 10 /usr/bin/python3",
               **(env or {}))
    # The operator's default output: not the timing callback the scenario enables
    # (an empty value is refused by ansible, so the variable is dropped).
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    try:
        return subprocess.run(["nice", "-n", "10", "ansible-playbook", "-i", str(inventory), *args],
                              cwd=PROJECT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as err:
        # What a hung run was doing; the exception alone shows its first lines only.
        out = err.output.decode(errors="replace") if isinstance(err.output, bytes) else err.output or ""
        pytest.fail(f"ansible-playbook {args[0] if args else ''} still ran after {timeout} s; its last lines:\n"
                    + "\n".join(out.splitlines()[-40:]))


def copy_fact_cache(dest: Path) -> Path:
    """A copy of the scenario's fact cache at `dest` (nothing there when it has none), for a
    run that goes beside others: runs at once share no cache file."""
    source = Path(os.environ.get("ANSIBLE_CACHE_PLUGIN_CONNECTION", "/nonexistent"))
    if source.is_dir():
        shutil.copytree(source, dest)
    return dest


def read_only_runs(cache_root: Path, runs: dict[str, list[str]]) -> dict[str, subprocess.CompletedProcess]:
    """Playbook runs that change nothing (refused in preflight, or --check), one after the
    other: each is a playbook and its arguments. They start from a copy of the scenario's
    fact cache (the lab hosts' facts name their addresses, and site.yml does not run on
    them); the first gathers what it lacks, the others find it. Every run's output is kept
    for its own test to assert on.

    One at a time: the runs are CPU-bound, and three at once on the lab's 2 cores took
    longer (424 s against 372 s for the same 40 runs) and 41 % more CPU (docs/benchmarks.md)."""
    cache = copy_fact_cache(cache_root / "facts")
    done = {}
    for name, args in runs.items():
        done[name] = playbook(*args, inventory=INVENTORY, env={"ANSIBLE_CACHE_PLUGIN_CONNECTION": str(cache)})
        assert cache.is_dir() and list(cache.iterdir()), f"no facts cached after the run {name}"
    return done


# --- the session's runs that must change nothing ------------------------------------------

# What a run that must change nothing leaves alone on a controller: these files' bytes and
# when these services started.
UNCHANGED_FILES = ("/etc/glance/glance-api.conf", "/etc/glance/glance-swift.conf", "/etc/glance/policy.yaml",
                   "/etc/ceph/ceph.conf", "/etc/haproxy/haproxy.cfg", "/etc/keepalived/keepalived.conf",
                   "/etc/mysql/mariadb.conf.d/70-glance-ha-galera.cnf")
UNCHANGED_UNITS = ("glance-api", "haproxy", "mariadb", "keepalived")


def node_state(node) -> dict:
    """The node's UNCHANGED_FILES (sha256, None if absent) and UNCHANGED_UNITS' start times."""
    state = {}
    for path in UNCHANGED_FILES:
        f = node.file(path)
        state[path] = f.sha256sum if f.exists else None
    for unit in UNCHANGED_UNITS:
        state[unit] = node.check_output(f"systemctl show -P ActiveEnterTimestampMonotonic {unit}")
    return state


@dataclasses.dataclass
class ReadOnly:
    runs: dict[str, subprocess.CompletedProcess]
    before: list[dict]  # node_state of each controller before the batch
    after: list[dict]  # and after it


@pytest.fixture(scope="session")
def read_only(request, nodes, tmp_path_factory) -> ReadOnly:
    """Every run of the session that must change nothing (refused in preflight, --check, or
    site.yml again on the converged cluster) in one batch (read_only_runs): each test module
    of the session declares its runs with a function declare_read_only_runs() (name ->
    playbook and its arguments), each test asserts on its own run and on the controllers'
    state around the batch. One batch, not one per module: the runs share one fact gathering
    (the first declared, test_5's short release check, gathers). The batch runs when the first
    test asks (the converged cluster, before any day-2 change)."""
    runs: dict[str, list[str]] = {}
    for module in dict.fromkeys(item.module for item in request.session.items):
        declare = getattr(module, "declare_read_only_runs", None)
        declared = declare() if declare else {}
        clash = set(runs) & set(declared)
        assert not clash, f"read-only runs declared twice: {sorted(clash)}"
        runs.update(declared)
    before = [node_state(n) for n in nodes]
    done = read_only_runs(tmp_path_factory.mktemp("read-only"), runs)
    return ReadOnly(done, before, [node_state(n) for n in nodes])


def glance_conf(node, section: str, option: str, path: str = "/etc/glance/glance-api.conf") -> str:
    """One option of a controller's glance config, read as the role reads it ('' if unset)."""
    return role_python("glance/filter_plugins/glance_conf.py").glance_conf_value(
        node.file(path).content_string, section, option)


def ipv4(node) -> str:
    """The node's address on the scenario network (its only interface)."""
    return next(a for a in node.interface("eth0").addresses if "." in a)


# GET from a node itself with the node's Python: the controllers have no HTTP client of their
# own (keepalived's check speaks HTTP through bash).
_GET = ("import sys, urllib.error, urllib.request\n"
        "try:\n"
        "    answer = urllib.request.urlopen(sys.argv[1], timeout=float(sys.argv[2]))\n"
        "except urllib.error.HTTPError as error:\n"
        "    answer = error\n"
        "sys.stdout.write(str(answer.status) + '\\n' + answer.read().decode())\n")


def get_on(node, url: str, timeout: float = 5) -> tuple[int, str]:
    """The status and body of a plain-HTTP GET of `url` sent from `node`."""
    status, _, body = node.check_output("python3 -c %s %s %s", _GET, url, str(timeout)).partition("\n")
    return int(status), body


# The secrets of the lab's inventory (inventory/lab/group_vars/all.yml), by variable name.
LAB_SECRETS = ("glance_database_password", "glance_service_password", "lab_keystone_admin_password",
               "haproxy_stats_password", "lab_swift_password", "lab_s3_secret_key", "glance_rbd_key")


def lab_vars() -> dict:
    """The lab group_vars the scenario links (plain lab secrets, no templates needed)."""
    import yaml

    return yaml.safe_load((PROJECT / "inventory" / "lab" / "group_vars" / "all.yml").read_text())


def legacy_releases() -> tuple[str, str, str]:
    """The legacy track's release the lab inventory deploys (group_vars/legacy_track.yml),
    and the newest one the glance role knows (vars/main.yml: glance_venv_releases) with its
    OpenStack name: what the legacy scenario starts on, and upgrades to."""
    import yaml

    deployed = yaml.safe_load((PROJECT / "inventory" / "lab" / "group_vars" / "legacy_track.yml").read_text())
    releases = yaml.safe_load((PROJECT / "roles" / "glance" / "vars" / "main.yml").read_text())["glance_venv_releases"]
    newest = max(releases, key=lambda version: tuple(int(part) for part in version.split(".")))
    return deployed["glance_venv_version"], newest, releases[newest]


@pytest.fixture(scope="session")
def os_env(nodes, trusted):
    """Environment for the real OpenStack clients, as an admin of the lab Keystone."""
    keystone = testinfra.get_host(
        f"ansible://{sorted(AnsibleRunner(INVENTORY).get_hosts('identity_lab'))[0]}?ansible_inventory={INVENTORY}")
    secrets = lab_vars()
    return dict(
        os.environ,
        OS_AUTH_URL=f"http://{ipv4(keystone)}:5000/v3",
        OS_USERNAME="admin",
        OS_PASSWORD=secrets["lab_keystone_admin_password"],
        OS_PROJECT_NAME="admin",
        OS_USER_DOMAIN_NAME="Default",
        OS_PROJECT_DOMAIN_NAME="Default",
        OS_REGION_NAME="RegionOne",
        OS_IMAGE_API_VERSION="2",
        # The seed's clients are told the VIP's CA (the bundle of `trusted` holds it too).
        OS_CACERT=str(trusted),
    )


@functools.cache
def backend_tls(name: str) -> bool:
    """Whether HAProxy reaches this controller's glance over TLS (glance_ha_backend_tls in the
    scenario's inventory: on in the default one, off in the legacy one)."""
    return AnsibleRunner(INVENTORY).get_variables(name).get("glance_ha_backend_tls", False) is True


def api_url(node, port: int = 9292) -> str:
    """One node's glance service as HAProxy reaches it: through the node's TLS proxy (its
    certificate, verified by the session's bundle) when backend TLS is on."""
    return f"{'https' if backend_tls(node.backend.host) else 'http'}://{ipv4(node)}:{port}"


def _close_stdin() -> None:
    os.close(0)


def _glance_cli(args: list[str], env: dict, timeout: float, check: bool, stdin: bool) -> subprocess.CompletedProcess:
    """python-glanceclient with the v2 API. stdin=False: its standard input closed, as
    glanceclient's "no image data" (any open stdin that is not a terminal, the test
    runner's included, it reads as the image's data)."""
    run = subprocess.run(["glance", "--os-image-api-version", "2", *args], env=env, capture_output=True,
                         text=True, timeout=timeout, preexec_fn=None if stdin else _close_stdin)
    if check:
        assert run.returncode == 0, run.stdout + run.stderr
    return run


def glance(env: dict, node, *args: str, check: bool = True, stdin: bool = True) -> subprocess.CompletedProcess:
    """The seed's client, python-glanceclient, pointed at one node's glance-api."""
    return _glance_cli(["--os-image-url", api_url(node), *args], env, 300, check, stdin)


def show_table(output: str) -> dict[str, str]:
    """Parse glanceclient's `| Property | Value |` table."""
    fields = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] not in ("Property", ""):
            fields[cells[0]] = cells[1]
    return fields


def healthcheck(node, timeout: float = 3) -> int | None:
    """HTTP status of the node's /healthcheck, None when nothing answers."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url(node)}/healthcheck", timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


# --- the VIP and HAProxy -------------------------------------------------------------


@pytest.fixture(scope="session")
def os_session(os_env):
    """A keystoneauth session of the lab admin: tokens and the catalog."""
    return admin_session(os_env["OS_AUTH_URL"], os_env["OS_PASSWORD"])


@pytest.fixture(scope="session")
def image_url(os_session) -> str:
    """glance's public endpoint from the Keystone catalog (the VIP), without a trailing /."""
    return image_endpoint(os_session)


@pytest.fixture(scope="session")
def vip(image_url) -> str:
    from urllib.parse import urlsplit

    return urlsplit(image_url).hostname


def glance_vip(env: dict, *args: str, check: bool = True, stdin: bool = True) -> subprocess.CompletedProcess:
    """The seed's client as a user runs it: the endpoint comes from the catalog."""
    return _glance_cli(list(args), env, 600, check, stdin)


def copy_image(api, env: dict, image_id: str, store: str) -> None:
    """copy-image through the VIP of an image in the file store into `store`, until glance
    lists the image in both."""
    assert api.show(image_id)["stores"] == "file"
    glance_vip(env, "image-import", "--import-method", "copy-image", "--stores", store, image_id, stdin=False)
    wait_for(lambda: set(api.show(image_id)["stores"].split(",")) == {"file", store},
             f"the copy in {store}", timeout=120, interval=1)


def haproxy_stat(node) -> dict[tuple[str, str], dict[str, str]]:
    """HAProxy's `show stat` on a node, by (proxy, server or FRONTEND/BACKEND), each a dict of
    its CSV fields."""
    return haproxy.by_name(node.check_output(haproxy.SHOW_STAT))


def registry_requests(nodes) -> int:
    """HTTP requests every load balancer has sent to its glance-registry backend."""
    return sum(int(haproxy_stat(n).get(("glance_registry", "BACKEND"), {}).get("req_tot") or 0) for n in nodes)


def haproxy_servers(node) -> dict[tuple[str, str], dict[str, str]]:
    """haproxy_stat's checked servers only (no FRONTEND/BACKEND, no last-resort backup)."""
    return haproxy.server_status(node.check_output(haproxy.SHOW_STAT))


_HAPROXY_LOG = re.compile(r" (?P<status>\d{3}) \d+ \S+ \S+ (?P<term>\S{4}) \S+/\S+/\S+/\S+/(?P<retries>\+?\d+) ")


def incident_report(nodes, since: str, last: int = 60) -> str:
    """What the controllers logged since `since` (a `date '+%F %T'` of a node) that explains a
    failed request: keepalived state changes, HAProxy requests that were retried, ended
    abnormally or answered 4xx or 5xx (which server answered a stream's 403), Galera members
    that found their own timers late (the node stopped running) or changed state (state
    transfers, their failures), glance-api errors, errors of the GlusterFS client under the
    image mount (a hung mount hangs every glance-api worker), and when this machine itself
    stopped (stallwatch). At most the `last` lines of each kind per node; the commonest kinds
    first."""
    kinds = {"haproxy": [], "glance-api": [], "glusterfs": [], "mariadb": [], "keepalived": []}
    mount_log = "/var/log/glusterfs/" + MOUNT.strip("/").replace("/", "-") + ".log"
    for node in nodes:
        name = node.backend.host
        journal = f"journalctl -q --since '{since}' -o short-precise --no-pager"
        proxied = [line for line in node.run(f"{journal} -u haproxy").stdout.splitlines()
                   if (m := _HAPROXY_LOG.search(line))
                   and (m["status"] >= "400" or m["term"] != "----" or m["retries"] != "0")]
        # glance-registry too (legacy track): glance-api reads every image's metadata through it.
        errors = node.run(f"{journal} -u glance-api -u glance-registry -p warning; "
                          f"awk -v s='{since}' '$1\" \"$2 >= s && / (ERROR|CRITICAL) /' "
                          "/var/log/glance/glance-api.log /var/log/glance/glance-registry.log 2>/dev/null || true")
        fuse = node.run(f"awk -v s='{since}' 'substr($1, 2) \" \" $2 >= s && / [EC] \\[/' {mount_log} || true")
        late = node.run(f"{journal} -u mariadb | grep -E 'inactive check|non-primary|partition|"
                        "State transfer|WSREP_SST: .ERROR|Shifting|Will never receive' || true")
        vrrp = node.run(f"{journal} -u keepalived | grep -E 'Entering|advert' || true")
        for kind, lines in (("haproxy", proxied), ("glance-api", errors.stdout.splitlines()),
                            ("glusterfs", fuse.stdout.splitlines()), ("mariadb", late.stdout.splitlines()), ("keepalived", vrrp.stdout.splitlines())):
            kinds[kind] += [f"{name} {kind}: {line}" for line in lines[-last:]]
    kinds["host"] = [f"host: {line}" for line in host_stalls(since)[-last:]]
    return "\n".join(line for lines in kinds.values() for line in lines) or "(nothing logged)"


# --- pauses of the whole machine ---------------------------------------------------------

STALLS = Path(os.environ.get("GLANCE_HA_STALLS", f"/tmp/glance-ha-stalls-{os.getpid()}.txt"))


@pytest.fixture(scope="session", autouse=True)
def stall_watch():
    """testlib/stallwatch.py for the whole session: incident reports say whether this
    machine stopped running processes when a request failed."""
    watcher = subprocess.Popen([sys.executable, str(PROJECT / "testlib" / "stallwatch.py"), "--min", "0.5",
                                "--out", str(STALLS)])
    yield
    watcher.terminate()
    watcher.wait(timeout=10)


def host_stalls(since: str) -> list[str]:
    """stallwatch's lines from `since` (a `date '+%F %T'`; nodes and host share the clock)."""
    if not STALLS.exists():
        return []
    return [line for line in STALLS.read_text().splitlines() if line[:19] >= since]


_SESSION_START = time.strftime("%Y-%m-%d %H:%M:%S")


# Held exclusively for a whole scenario session, when molecule's configuration names it: the
# scenarios side by side (Makefile) converge together (each converge holds it shared:
# plugins/callback/scenario_lock.py) and test one after the other, once no converge runs. Two
# scenarios' load tests at once, or one beside another's converge, left the machine no CPU:
# in CI, bookworm's glance-api kill failed most of its requests (median 4.5-5.3 s, from the
# first second, before anything was killed).
SCENARIO_LOCK = os.environ.get("GLANCE_HA_SCENARIO_LOCK")
_scenario_lock = None


def scenario_label() -> str:
    """The label roles/lab_nodes puts on every container of this molecule scenario."""
    return f"org.glance-ha.lab=molecule-{os.environ.get('MOLECULE_SCENARIO_NAME', 'default')}"


def _take_the_scenario_lock():
    """Wait for the other scenarios with this one's containers frozen (docker pause): a
    converged scenario at rest takes 0.4-0.5 of the 2 cores from the scenario that tests.
    Thawed, the cluster is whole again in ~6 s (measured after 90 s frozen: Galera stays
    Synced, the HAProxy checks come back UP, keepalived elects the holder again at once)."""
    global _scenario_lock
    _scenario_lock = open(SCENARIO_LOCK, "a")  # noqa: SIM115 - held until the session ends
    try:
        fcntl.flock(_scenario_lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    t0 = time.monotonic()
    print(f"waiting for {SCENARIO_LOCK}: another scenario converges or tests", file=sys.stderr, flush=True)
    # All or none, tried again (paused(): a container whose processes wait on the GlusterFS
    # mount may refuse to freeze); none frozen, the scenario waits running.
    scenario = docker("ps", "--filter", f"label={scenario_label()}", "--format", "{{.Names}}", check=False).stdout
    with paused(scenario.split()):
        fcntl.flock(_scenario_lock, fcntl.LOCK_EX)
    wait_for(lambda: cluster_whole(session_nodes()), "the cluster whole again after its pause", timeout=120)
    # .ci/molecule_steps.py reads this line.
    print(f"waited {time.monotonic() - t0:.0f} s for the other scenarios ({SCENARIO_LOCK})", file=sys.stderr,
          flush=True)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "every_release: holds on every supported Debian/OpenStack release; the scenario of the "
        "older release (molecule/bookworm) runs only these")
    if INVENTORY and SCENARIO_LOCK and _scenario_lock is None:
        _take_the_scenario_lock()


def pytest_sessionfinish(session, exitstatus):
    """When tests failed and GLANCE_HA_REPORT names a file, write there the incident report of
    the whole session (the CI wrapper prints it last: a CI log keeps only its end)."""
    report = os.environ.get("GLANCE_HA_REPORT")
    if report and exitstatus != 0 and INVENTORY:
        try:
            text = incident_report(session_nodes(), _SESSION_START, last=8)
        except Exception as err:  # noqa: BLE001 - a report must not hide the failures it explains
            text = f"(no incident report: {err!r})"
        Path(report).write_text(f"incidents since {_SESSION_START}:\n{text}\n")
    STALLS.unlink(missing_ok=True)


def all_up(nodes) -> bool:
    """Every node's HAProxy sees every glance-api UP (asserts, for the message)."""
    for node in nodes:
        states = haproxy_servers(node)
        assert states, f"no servers in {node.backend.host}'s HAProxy"
        bad = {k: v["status"] for k, v in states.items() if v["status"] != "UP"}
        assert not bad, f"{node.backend.host}: {bad}"
    return True


def cluster_whole(nodes) -> bool:
    """glance-api runs on every node, each Galera member sees all of them, every HAProxy sees
    every glance-api UP (asserts, for the message: use with wait_for)."""
    for node in nodes:
        assert node.service("glance-api").is_running, node.backend.host
        size = node.check_output("mariadb -N -B -e \"SHOW STATUS LIKE 'wsrep_cluster_size'\"").split()[-1]
        assert int(size) == len(nodes), f"{node.backend.host}: galera size {size}"
    return all_up(nodes)


def vip_holders(nodes, vip: str) -> list:
    """The nodes that have the VIP on an interface (one, unless something is wrong)."""
    return [n for n in nodes if vip_address.holds(n.check_output(vip_address.ADDRESSES), vip)]


# --- day 2 (store changes) ----------------------------------------------------------

@pytest.fixture(scope="module")
def api(image_url, os_session):
    """glance v2 through the VIP with one token."""
    return Api(image_url, os_session.get_token())


@pytest.fixture(scope="module")
def images(api):
    """Two images (4 and 16 MiB) uploaded through the VIP to the default store: id -> sha256.
    Deleted at the end of the module."""
    made = {}
    for size in (4 << 20, 16 << 20):
        data = os.urandom(size)
        made[api.upload(f"reconf-{size >> 20}m", data)] = hashlib.sha256(data).hexdigest()
    yield made
    for image_id in list(made):
        api.delete(image_id)


# --- the lab's storage host ------------------------------------------------------------

def _lab_host(group: str):
    name = sorted(AnsibleRunner(INVENTORY).get_hosts(group))[0]
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={INVENTORY}")


def storage_host():
    """The scenario's storage host (group storage_lab): the lab's Swift, S3 and web server."""
    return _lab_host("storage_lab")


def ceph_host():
    """The host of the lab's Ceph cluster (group ceph_lab), with its admin key."""
    return _lab_host("ceph_lab")


def rbd_images() -> list[str]:
    """The RBD images in glance's pool, listed on the Ceph host."""
    return _lab_host("ceph_lab").check_output(f"rbd -p {lab_vars()['glance_rbd_pool']} ls").split()


def swift_session() -> tuple[str, dict]:
    """(storage URL, auth headers) of glance's account in the lab Swift, as glance logs in."""
    import requests

    login = requests.get(f"http://{ipv4(storage_host())}:8080/auth/v1.0", timeout=10, headers={
        "X-Auth-User": "glance:glance", "X-Auth-Key": lab_vars()["lab_swift_password"]})
    login.raise_for_status()
    return login.headers["X-Storage-Url"], {"X-Auth-Token": login.headers["X-Auth-Token"]}
