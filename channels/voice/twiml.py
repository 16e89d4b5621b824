"""TwiML for the hotline, built with the twilio library's `VoiceResponse`: pure functions, tested on exact output.

Every prompt is one `<Gather input="speech dtmf">` (Mandarin recognition, barge-in, automatic end of speech,
hints from the domain vocabulary), so a caller may always speak or press a key. See
https://www.twilio.com/docs/voice/twiml/gather and https://www.twilio.com/docs/voice/twiml/say
"""
from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import Dial, Enqueue, Gather, VoiceResponse

from channels.voice.settings import VoiceSettings
from channels.voice.speech import read_out

GATHER_PATH = "/voice/gather"
RESULT_PATH = "/voice/result"
RECORDING_PATH = "/voice/recording"
VOICEMAIL_MAX_S = 120
MAX_HINTS = 100


@dataclass(frozen=True)
class Prompt:
    """What the caller hears next and how their answer is collected."""

    sentences: tuple[str, ...]
    collect_digits: bool = False     # a number is expected: keys end with #, 9 and 0 are digits, not commands
    hang_up: bool = False
    transfer: bool = False
    transfer_note: str = ""          # one line for the agent (whisper / queue attribute)
    record: bool = False             # a voicemail after the sentences, then on to the recording webhook


def spoken(text: str) -> str:
    """Screen text made for the ear: line breaks become pauses, numbers are read one character at a time."""
    return read_out("，".join(part.strip() for part in text.splitlines() if part.strip()))


def _say(parent: VoiceResponse | Gather, text: str, settings: VoiceSettings) -> None:
    parent.say(text, voice=settings.say_voice, language=settings.say_language)


def gather(prompt: Prompt, settings: VoiceSettings, action: str = GATHER_PATH) -> Gather:
    """One `<Gather>` holding the prompt: speech or keys, barge-in on, answered at ``action`` even when empty."""
    options = {"input": "speech dtmf", "action": action, "method": "POST", "language": settings.recognition_language,
               "speech_model": settings.speech_model, "speech_timeout": "auto", "barge_in": True,
               "timeout": settings.gather_timeout_s, "action_on_empty_result": True}
    if settings.hints:
        options["hints"] = ",".join(settings.hints[:MAX_HINTS])
    if prompt.collect_digits:
        options["finish_on_key"] = "#"
    else:
        options["num_digits"] = 1
    node = Gather(**options)
    for sentence in prompt.sentences:
        _say(node, sentence, settings)
    return node


def render(prompt: Prompt, settings: VoiceSettings) -> str:
    """The TwiML document for one turn: a gathered prompt, a goodbye and hang-up, or a transfer to an agent."""
    response = VoiceResponse()
    if not (prompt.hang_up or prompt.transfer or prompt.record):
        response.append(gather(prompt, settings))
        return str(response)
    for sentence in prompt.sentences:
        _say(response, sentence, settings)
    if prompt.hang_up:
        response.hangup()
    elif prompt.transfer:
        response.append(_transfer(prompt.transfer_note, settings))
    else:   # record: an empty recording skips the action URL, so the redirect carries the call on
        response.record(action=RECORDING_PATH, method="POST", max_length=VOICEMAIL_MAX_S, finish_on_key="#",
                        play_beep=True, timeout=5)
        response.redirect(RECORDING_PATH, method="POST")
    return str(response)


def _transfer(note: str, settings: VoiceSettings) -> Enqueue | Dial:
    """`<Enqueue>` into the agents' queue, or `<Dial>` the configured number; the note travels with the call."""
    if settings.transfer_mode == "dial" and settings.dial_number:
        dial = Dial(answer_on_bridge=True)
        dial.number(settings.dial_number)
        return dial
    enqueue = Enqueue(settings.queue)
    if note:
        enqueue.task(note)
    return enqueue


def hold(sentence: str, settings: VoiceSettings, action: str) -> str:
    """A short hold phrase and a redirect that collects the late answer of a slow turn."""
    response = VoiceResponse()
    _say(response, sentence, settings)
    response.redirect(action, method="POST")
    return str(response)
