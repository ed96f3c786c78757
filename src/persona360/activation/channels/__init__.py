"""Channels that carry a rendered message to one address."""

from persona360.activation.channels.base import Channel, Message, SendResult

__all__ = ["Channel", "Message", "SendResult"]
