"""A python-socketio client (Debian's python3-socketio) speaking socketgate's chat protocol.

Usage: chat_client.py <url> <websocket|polling>. Joins a room, sends a message to it, sends one
the gateway must refuse, waits for its own message to come back, and prints one JSON line with
what it saw: every event's arguments exactly as python-socketio hands them to a handler.
"""
import json
import os
import sys
import threading

import socketio

url, transport = sys.argv[1], sys.argv[2]
client = socketio.Client(reconnection=False)
events = []
delivered = threading.Event()


@client.on('session:ready')
def on_session_ready(*args):
    events.append(['session:ready', list(args)])


@client.on('message:new')
def on_message(*args):
    events.append(['message:new', list(args)])
    delivered.set()


client.connect(url, transports=[transport], wait_timeout=5)
result = {'sid': client.get_sid()}
result['join'] = client.call('room:join', 'py-room', timeout=5)
result['send'] = client.call('message:send', {'content': 'from python', 'room': 'py-room'}, timeout=5)
result['refused'] = client.call('message:send', {'content': ''}, timeout=5)
result['delivered'] = delivered.wait(5)
client.disconnect()
result['events'] = events
print(json.dumps(result), flush=True)
# Exit without waiting for the client's threads. python-engineio 4.3's polling write loop checks
# the connection state before it sends what is queued, so disconnect() can lose its own DISCONNECT
# and CLOSE packets (seen in 1 to 2 runs of 100 here); the read thread then sits in a long-poll
# until the server's next ping, 25 s later. Closing the process closes that poll, which the server
# sees as the client going away, like a browser tab closing.
os._exit(0)
