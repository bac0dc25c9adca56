"""Platform adapters, found by the runtime by name through the `practica.adapters` entry points
(see pyproject.toml and core.adapter). Each platform's library is imported only when its adapter is enabled."""
