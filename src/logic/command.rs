// SPDX-License-Identifier: GPL-2.0

//! Commands written to `/proc/elevator`: `start`, `stop`, `issue S D T`.
//!
//! One command per write, surrounding whitespace (such as `echo`'s newline)
//! ignored. Anything else is malformed.

/// Longest write accepted; longer ones are rejected whole.
pub const MAX_COMMAND_LEN: usize = 64;

/// A parsed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `start`: like `start_elevator()`.
    Start,
    /// `stop`: like `stop_elevator()`.
    Stop,
    /// `issue S D T`: like `issue_request(S, D, T)`.
    Issue(i32, i32, i32),
}

/// Why a write is not a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but whitespace.
    Empty,
    /// Longer than [`MAX_COMMAND_LEN`].
    TooLong,
    /// Not UTF-8, an unknown word, a bad number or a wrong argument count.
    Malformed,
}

impl Command {
    /// Parses one write.
    pub fn parse(input: &[u8]) -> Result<Command, ParseError> {
        if input.len() > MAX_COMMAND_LEN {
            return Err(ParseError::TooLong);
        }
        let text = core::str::from_utf8(input).map_err(|_| ParseError::Malformed)?;
        let mut words = text.split_ascii_whitespace();
        let cmd = match words.next() {
            None => return Err(ParseError::Empty),
            Some("start") => Command::Start,
            Some("stop") => Command::Stop,
            Some("issue") => {
                let mut num = || -> Result<i32, ParseError> {
                    words
                        .next()
                        .ok_or(ParseError::Malformed)?
                        .parse::<i32>()
                        .map_err(|_| ParseError::Malformed)
                };
                let (s, d, t) = (num()?, num()?, num()?);
                Command::Issue(s, d, t)
            }
            Some(_) => return Err(ParseError::Malformed),
        };
        if words.next().is_some() {
            return Err(ParseError::Malformed);
        }
        Ok(cmd)
    }
}
