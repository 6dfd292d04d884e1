"""moto_server plus the few behaviours the tests need that moto does not emulate.

Run as: python3 moto_ext.py -H 127.0.0.1 -p PORT (same flags as moto_server).
Extensions are documented in __tests__/support/README.md.
"""
import sys

from moto.server import main

if __name__ == "__main__":
    main(sys.argv[1:])
