"""`yidu serve`: the search site, the API and the embeddable search box."""
from __future__ import annotations

import logging

from yidu.services import Services


def register(subparsers) -> None:
    p = subparsers.add_parser("serve", help="serve the search site and API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="worker processes (each with its own ES client)")
    p.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    p.set_defaults(func=cmd_serve)


def app_factory():
    """For `--workers N`: uvicorn imports the app in each worker process (settings from the environment)."""
    from api.app import create_service_app
    from yidu import textzh
    from yidu.config import Settings

    textzh.warm_up()
    return create_service_app(Services(Settings.from_env(), progress=False))


def cmd_serve(args, settings) -> int:
    import uvicorn

    from api.app import create_service_app
    from yidu import textzh

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)
    print(f"serving on http://{args.host}:{args.port}/ (API: /api/v1/search, embed: /embed.js)", flush=True)
    if args.workers > 1:
        uvicorn.run("yidu.commands.serve:app_factory", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level, access_log=False)
        return 0
    textzh.warm_up()  # load dictionaries before the first reader waits for them
    app = create_service_app(Services(settings, progress=False))
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0
