"""compose.yaml's proxy service as the real nginx, here (tests/deploy/compose.py says what is
translated from a container to a local process, and why)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.deploy.compose import LocalCompose, Replica, listening, wait_until

_UPSTREAM_SERVER = re.compile(r"^(\s*)server ([a-z][a-z0-9_-]*):(\d+)([^;]*);", re.MULTILINE)


def proxy_configuration(local: LocalCompose, listener: socket.socket) -> tuple[Path, Path]:
    """The proxy service's nginx configuration as its container would have it, here: the
    mounted nginx.conf and templates (filled in with the proxy's environment, as the image's
    entrypoint does), service names turned into the replicas' ports, its paths into a folder
    of the test's, and its port 80 into ``listener``'s. Returns (prefix folder, nginx.conf)."""
    # Not under pytest's folders (0700): nginx's workers, as nobody under root, must reach the
    # cache and temporary folders in it. Removed by stop_all.
    prefix = Path(tempfile.mkdtemp(prefix="gate-proxy-"))
    prefix.chmod(0o755)
    local.leftovers.append(prefix)
    mounts = local._mounts("proxy")
    env = local.service("proxy")["environment"]
    output_dir = env["NGINX_ENVSUBST_OUTPUT_DIR"]
    paths = {
        output_dir: prefix / "gate",
        "/var/cache/nginx/gate": prefix / "cache",
        "/var/run/nginx.pid": prefix / "nginx.pid",
    }
    (prefix / "gate").mkdir()
    port = listener.getsockname()[1]

    def here(text: str) -> str:
        for there, path in paths.items():
            text = text.replace(there, str(path))
        text = text.replace("listen 80 default_server;", f"listen 127.0.0.1:{port} default_server;")

        def replicas(match: re.Match[str]) -> str:
            indent, service, container_port, params = match.groups()
            ports = local.upstream_ports(service, int(container_port))
            assert ports, f"no replica of {service}:{container_port} runs"
            return "\n".join(f"{indent}server 127.0.0.1:{p}{params};" for p in ports)

        return _UPSTREAM_SERVER.sub(replicas, text)

    substitute = re.compile(r"\$\{(" + "|".join(map(re.escape, env)) + r")\}")
    for template in sorted(mounts["/etc/nginx/templates"].glob("*.template")):
        text = substitute.sub(lambda m: str(env[m[1]]), template.read_text())
        (prefix / "gate" / template.name.removesuffix(".template")).write_text(here(text))
    # What the Debian binary would otherwise write under /var/lib/nginx.
    temp = "\n".join(
        f"{kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "gate" / "zz-local-paths.conf").write_text(temp + "\n")
    main = mounts["/etc/nginx/nginx.conf"].read_text()
    main = re.sub(r"^user [^;]+;\n", "", main, flags=re.MULTILINE)
    conf = prefix / "nginx.conf"
    conf.write_text(here(main))
    return prefix, conf


def nginx_binary() -> str | None:
    """The nginx program, also where root's PATH alone has it (Debian: /usr/sbin)."""
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def start_proxy(local: LocalCompose, nginx: str) -> tuple[Replica, int]:
    """nginx with the proxy's configuration, on a port bound here and inherited (nginx takes
    the sockets named in its NGINX variable, as in its own binary upgrade)."""
    listener = listening()
    listener.set_inheritable(True)
    prefix, conf = proxy_configuration(local, listener)
    check = subprocess.run(
        [nginx, "-t", "-q", "-p", str(prefix), "-c", str(conf), "-e", "stderr"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert check.returncode == 0, f"nginx -t: {check.stderr}"
    output = local.folder / "proxy.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env["NGINX"] = f"{listener.fileno()};"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=[listener.fileno()],
        )
    port = listener.getsockname()[1]
    listener.close()
    replica = Replica("proxy", process, output, {80: port})
    local.replicas.append(replica)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"nginx exited:\n{output.read_text()}")
        with socket.socket() as probe:
            probe.settimeout(2)
            probe.connect(("127.0.0.1", port))
            probe.sendall(b"GET /proxy/health HTTP/1.0\r\n\r\n")
            return probe.recv(64).startswith(b"HTTP/1.1 200")

    wait_until(answers, 30, "the proxy answering")
    return replica, port


def established(port: int) -> int:
    """How many TCP connections to 127.0.0.1:``port`` are established now (/proc/net/tcp)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "01" and int(local.split(":")[1], 16) == port:
            count += 1
    return count
