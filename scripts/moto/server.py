"""moto_server plus the few behaviours moto does not emulate, for the tests and the local sandbox.

Run as: python3 scripts/moto/server.py -H 127.0.0.1 -p PORT (same flags as moto_server).
Every `ext_*.py` module beside this file is imported before the server starts; each patches one
service and documents what it adds. See scripts/moto/README.md.
"""
import importlib.util
import pathlib
import sys

from moto.server import main


def load_extensions() -> None:
    for path in sorted(pathlib.Path(__file__).parent.glob("ext_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if __name__ == "__main__":
    load_extensions()
    main(sys.argv[1:])
