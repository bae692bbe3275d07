/**
 * Blocklists for the PIN policy (NIST SP 800-63B §5.1.1.2: refuse "values known to be
 * commonly-used, expected, or compromised"). Compiled by hand for Keyhold, not copied: the head
 * of the 6-digit frequency lists in Wang et al., "Understanding Human-chosen PINs" (AsiaCCS
 * 2017) and Markert et al., "This PIN Can Be Easily Guessed" (IEEE S&P 2020, which also studies
 * Apple's 6-digit blocklist), completed with the same families of pattern. Many entries are also
 * caught by the rules in pin-policy.ts; they stay listed so the list reads as what it is.
 */

/** Most common 6-digit PINs: keypad shapes, doubled and mirrored halves, number words, years. */
export const COMMON_SIX_DIGIT_PINS: ReadonlySet<string> = new Set([
  // runs, repeats and mirrors (also refused by the rules)
  '123456', '654321', '111111', '000000', '123123', '666666', '121212', '888888', '222222', '555555',
  '777777', '999999', '333333', '444444', '101010', '112233', '123321', '456456', '789789', '321321',
  '012345', '987654', '234567', '345678', '456789', '111222', '000111', '123000', '100000', '200000',
  // keypad shapes: columns, diagonals, crosses, zigzags on a 3×3 phone keypad
  '147258', '258369', '369258', '147369', '159753', '159357', '357159', '753159', '951753', '753951',
  '147852', '258147', '741852', '852963', '963852', '369852', '789456', '456123', '321654', '654987',
  '963741', '741963', '852456', '456852', '147896', '789632', '124578', '235689', '159951', '357753',
  // patterns people type: doubled digits, steps of two, counting pairs
  '112211', '122333', '110011', '101101', '010203', '102030', '121314', '101112', '135790', '246810',
  '135246', '123654', '123789', '789123', '123465', '124356', '142536', '123455', '123457', '998877',
  '778899', '665544', '445566', '332211', '001122', '112112', '110110', '100200', '123450', '123400',
  // words and numbers with meaning: "I love you" in Chinese number-speak, lucky numbers, constants
  '520520', '521521', '520131', '521314', '201314', '131420', '168168', '888999', '999888', '518518',
  '696969', '007007', '112358', '314159', '271828', '911911', '119119', '110120', '120120', '147147',
  // years and repeated pairs that read as dates
  '198019', '199019', '200020', '202020', '131313', '141414', '212121', '232323', '252525', '505050',
]);

/** Common passphrases of 8 or more characters, compared after NFKC and lower-casing. */
export const COMMON_PASSPHRASES: ReadonlySet<string> = new Set([
  'password', 'password1', 'password12', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'iloveyou',
  'iloveyou1', 'qwertyui', 'qwertyuiop', 'qwerty12', 'qwerty123', 'qwer1234', '1234qwer', '1q2w3e4r',
  '1q2w3e4r5t', '1qaz2wsx', 'zaq12wsx', 'asdfghjk', 'asdfghjkl', 'zxcvbnm1', 'abc12345', 'abcd1234',
  'a1b2c3d4', 'aa123456', 'sunshine', 'princess', 'football', 'baseball', 'superman', 'trustno1',
  'whatever', 'starwars', 'letmein1', 'welcome1', 'monkey12', 'dragon12', 'master12', 'computer',
  'internet', 'keyhold1', 'changeme', 'secret12', 'michael1', 'jennifer', 'liverpool', 'chocolate',
]);
