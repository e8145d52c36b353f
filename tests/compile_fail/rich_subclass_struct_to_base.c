/* compile-fail: a subclass struct passed to the base model */
#include "rich.h"

// expect-error: ddb_expected_a_pointer_to_the_model_struct
void misuse(void);
void misuse(void)
{
    rich_dog d;
    rich_dog_init(&d);
    (void)rich_animal_put(&d, RICH_ANIMAL_NO_COND);
}
